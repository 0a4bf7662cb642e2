"""The förbund (tenants): creating one with its member organisations, and giving each förbund the
bundled diagrams as versions of its own (`finsam forbund add`, `finsam init`, the demo)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Database, DeployResult, Engine, InvalidData, NotFound, read_source

from .models import Forbund, Organisation
from .parties import BEREDNINGSGRUPP, KANSLI, PARTY_KINDS, STYRELSE

BUNDLED_DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


def diagrams_dir() -> Path:
    """Where the bundled BPMN files are (`FINSAM_DIAGRAMS_DIR` overrides)."""
    return Path(os.environ.get("FINSAM_DIAGRAMS_DIR") or BUNDLED_DIAGRAMS)


def bundled_diagrams() -> list[Path]:
    """The bundled BPMN files every förbund gets."""
    return sorted(diagrams_dir().glob("*.bpmn"))

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Slugs that name bodies or the system in task assignment and the history: never an organisation.
RESERVED_SLUGS = frozenset({KANSLI, STYRELSE, BEREDNINGSGRUPP, "system", "timer", "unassigned"})
NAME_LENGTH = 300
MEMBER_HINT = "skriv ORG:TYP:NAMN, t.ex. trelleborg:kommun:Trelleborgs kommun"


@dataclass(frozen=True)
class Member:
    """A member organisation as given: its slug, kind (af, fk, kommun, region) and name."""

    slug: str
    kind: str
    name: str


@dataclass(frozen=True)
class ForbundAdded:
    """What `add_forbund` did: whether the förbund is new, which members it added, and the
    bundled diagrams' versions in it (each `created` only if deployed now)."""

    slug: str
    name: str
    created: bool
    members_added: list[str] = field(default_factory=list)
    deployed: list[DeployResult] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.members_added) or any(d.created for d in self.deployed)


def parse_member(text: str) -> Member:
    """`ORG:KIND:NAME` as a member; InvalidData with a one-line reason when it is not one."""
    parts = [part.strip() for part in text.split(":", 2)]
    if len(parts) != 3 or not all(parts):
        raise InvalidData(f"medlemmen '{text}' går inte att läsa: {MEMBER_HINT}")
    slug, kind, name = parts
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidData(f"medlemmen '{slug}': organisationens kortnamn får bara innehålla "
                          "a–z, 0–9 och bindestreck")
    if slug in RESERVED_SLUGS:
        raise InvalidData(f"medlemmen '{slug}': det kortnamnet är reserverat, välj ett annat")
    if kind not in PARTY_KINDS:
        raise InvalidData(f"medlemmen '{slug}': okänd typ '{kind}'; typen är en av "
                          + ", ".join(PARTY_KINDS))
    if len(name) > NAME_LENGTH:
        raise InvalidData(f"medlemmen '{slug}': namnet är längre än {NAME_LENGTH} tecken")
    return Member(slug, kind, name)


def add_forbund(engine: Engine, slug: str, name: str, members: Sequence[str | Member],
                bundled: Iterable[Path], deployed_by: str) -> ForbundAdded:
    """Create the förbund `slug` with its member organisations and deploy the `bundled`
    diagrams to it. Idempotent: the same arguments again change nothing. A förbund that exists
    with this name may gain members; a different name, a member with the same slug but another
    kind or name, a slug that names a förbund and an organisation, or a bad member is refused
    with InvalidData (one line) before anything is written."""
    name = name.strip()
    if not SLUG_PATTERN.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise InvalidData(f"förbundets kortnamn '{slug}' går inte: använd a–z, 0–9 och "
                          "bindestreck, och inte kansli, styrelse eller beredningsgrupp")
    if not name or len(name) > NAME_LENGTH:
        raise InvalidData(f"förbundet behöver ett namn på högst {NAME_LENGTH} tecken")
    wanted = [m if isinstance(m, Member) else parse_member(m) for m in members]
    seen: set[str] = set()
    for member in wanted:
        if member.slug in seen:
            raise InvalidData(f"medlemmen '{member.slug}' står två gånger")
        if member.slug == slug:
            raise InvalidData(f"medlemmen '{member.slug}' har samma kortnamn som förbundet")
        seen.add(member.slug)
    with engine.db.write() as session:
        forbund = session.scalar(select(Forbund).where(Forbund.slug == slug))
        if forbund is not None and forbund.name != name:
            raise InvalidData(f"förbundet '{slug}' finns redan med namnet '{forbund.name}'")
        _check_clashes(session, slug, wanted)
        created = forbund is None
        if forbund is None:
            forbund = Forbund(slug=slug, name=name)
            session.add(forbund)
            session.flush()
        added = _add_members(session, forbund, wanted)
    deployed = deploy_bundled(engine, slug, bundled, deployed_by)
    return ForbundAdded(slug, name, created, added, deployed)


def _check_clashes(session: Session, slug: str, wanted: list[Member]) -> None:
    """A förbund is never a party (R-X1): no slug may name both a förbund and an organisation,
    and a member that exists must be the same organisation."""
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug).limit(1)):
        raise InvalidData(f"kortnamnet '{slug}' är redan en medlemsorganisations; ett förbund "
                          "kan aldrig vara part, välj ett annat")
    forbund_slugs = set(session.scalars(select(Forbund.slug))) | {slug}
    own = {o.slug: o for o in session.scalars(
        select(Organisation).join(Forbund, Forbund.id == Organisation.forbund_id)
        .where(Forbund.slug == slug))}
    for member in wanted:
        if member.slug in forbund_slugs:
            raise InvalidData(f"medlemmen '{member.slug}' har samma kortnamn som ett förbund")
        existing = own.get(member.slug)
        if existing is not None and (existing.kind, existing.name) != (member.kind, member.name):
            raise InvalidData(
                f"medlemmen '{member.slug}' finns redan i {slug} som {existing.kind} "
                f"'{existing.name}'; ge den samma typ och namn, eller ett annat kortnamn")


def _add_members(session: Session, forbund: Forbund, wanted: list[Member]) -> list[str]:
    have = set(session.scalars(
        select(Organisation.slug).where(Organisation.forbund_id == forbund.id)))
    added = []
    for member in wanted:
        if member.slug not in have:
            session.add(Organisation(forbund_id=forbund.id, slug=member.slug, name=member.name,
                                     kind=member.kind))
            added.append(member.slug)
    return added


def deploy_bundled(engine: Engine, forbund: str, paths: Iterable[Path], deployed_by: str
                   ) -> list[DeployResult]:
    """Deploy BPMN files to one förbund, each as its new version unless unchanged there. Every
    file is validated before any is deployed."""
    sources = [read_source(path) for path in paths]
    for source in sources:
        engine.lint(source)
    return [engine.deploy(forbund, source, deployed_by) for source in sources]


def require_forbund(slugs: Iterable[str], slug: str) -> None:
    """NotFound, with the way onward, unless `slug` is one of the förbund."""
    if slug not in set(slugs):
        raise NotFound(f"förbundet '{slug}' finns inte; skapa det med finsam forbund add")


def forbund_names(db: Database) -> dict[str, str]:
    """Every förbund's name, by slug."""
    with db.read() as session:
        return {slug: name for slug, name in session.execute(select(Forbund.slug, Forbund.name))}
