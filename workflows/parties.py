"""Parties and roles: who may be a party, what each role may do, which groups a capacity acts for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from engine import Database

from .models import Forbund, Organisation

# The only kinds of organisation that can be parties (R-M1, R-X7). A förbund is never one (R-X1).
PARTY_KINDS = ("af", "fk", "kommun", "region")
KIND_NAMES = {
    "af": "Arbetsförmedlingen",
    "fk": "Försäkringskassan",
    "kommun": "Kommun",
    "region": "Region",
}

KANSLI = "kansli"
STYRELSE = "styrelse"
BEREDNINGSGRUPP = "beredningsgrupp"
# The participating parties' representatives: the parties' own decisions in the beredningsgrupp
# (A2, A3, B2, B3) are theirs; the kansli supports but never records them (000 §5.1, §5.1.1).
PARTY_REPRESENTATIVES = "parternas_foretradare"

ROLES = ("representant", "kansli", "styrelse", "designer", "auditor", "admin", "nationell",
         "nationell_admin")
ROLE_NAMES = {
    "representant": "Representant i beredningsgruppen",
    "kansli": "Förbundskansli",
    "styrelse": "Styrelse",
    "designer": "Processdesigner",
    "auditor": "Revisor",
    "admin": "Administratör",
    "nationell": "Försäkringskassan nationellt",
    "nationell_admin": "Nationell administratör",
}
# Roles whose org must be a member organisation, and the fixed org of the others.
ORG_OF_ROLE = {"kansli": KANSLI, "styrelse": STYRELSE}
# Roles that act for one kind of member organisation only: Försäkringskassan's national
# follow-up acts for the förbund's Försäkringskassan.
KIND_OF_ROLE = {"nationell": "fk"}


@dataclass(frozen=True)
class Absence:
    """A colleague's capacity that a capacity stands in for today (until `until`, inclusive)."""

    username: str
    display_name: str
    org: str
    role: str
    until: date
    actor_id: str = ""  # the colleague's pseudonymous id, which their held tasks carry


@dataclass(frozen=True)
class Capacity:
    """A user acting in one role for one organisation of one förbund."""

    username: str
    display_name: str
    forbund: str
    forbund_name: str
    org: str
    org_name: str
    role: str
    membership_id: int
    # The person's pseudonymous id in the directory (`models.Person`): what the history and the
    # task rows record of them, never the username.
    actor_id: str
    # The colleagues' capacities this one stands in for today (`workflows/standins.py`).
    stands_in_for: tuple[Absence, ...] = ()

    @property
    def acting_as(self) -> str:
        """How the history records this capacity, e.g. 'fk (representant)'."""
        return f"{self.org} ({self.role})"


@dataclass(frozen=True)
class Party:
    """A member organisation that can be a party."""

    slug: str
    name: str
    kind: str


def parties_of(db: Database, forbund_slug: str) -> list[Party]:
    """The member organisations of a förbund that can be parties, in their registered order."""
    with db.read() as session:
        rows = session.execute(
            select(Organisation.slug, Organisation.name, Organisation.kind)
            .join(Forbund, Forbund.id == Organisation.forbund_id)
            .where(Forbund.slug == forbund_slug, Organisation.kind.in_(PARTY_KINDS))
            .order_by(Organisation.id)
        ).all()
    return [Party(slug, name, kind) for slug, name, kind in rows]


# The förbund's own bodies, as pages and mail name them.
BODY_NAMES = {
    KANSLI: "Förbundskansliet",
    STYRELSE: "Styrelsen",
    BEREDNINGSGRUPP: "Beredningsgruppen",
    PARTY_REPRESENTATIVES: "Parternas företrädare",
}


def org_names(db: Database, forbund_slug: str) -> dict[str, str]:
    """Display names of the förbund's organisations and bodies, by slug."""
    return {**{p.slug: p.name for p in parties_of(db, forbund_slug)}, **BODY_NAMES}


def forbund_slugs(db: Database) -> set[str]:
    """Every förbund's slug: none of them may ever be a party."""
    with db.read() as session:
        return set(session.scalars(select(Forbund.slug)))
