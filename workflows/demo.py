"""The demo förbund of CONTRACT.md: Samordningsförbundet NNV Skåne, its members and users."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine import Database, Engine, utc_now

from .hooks import FinsamHooks
from .models import Forbund, Membership, User
from .system import Finsam
from .tenants import Member, add_forbund, bundled_diagrams
from .users import add_user, hash_password, set_password

DEMO_FORBUND = ("nnv-skane", "Samordningsförbundet NNV Skåne")
DEMO_PASSWORD = "finsam-demo"

# (slug, name, kind), in the order of the förbund's member list (002 delårsrapport §1).
DEMO_MEMBERS = (
    ("af", "Arbetsförmedlingen", "af"),
    ("fk", "Försäkringskassan", "fk"),
    ("region-skane", "Region Skåne", "region"),
    ("angelholm", "Ängelholms kommun", "kommun"),
    ("bastad", "Båstads kommun", "kommun"),
    ("hoganas", "Höganäs kommun", "kommun"),
    ("klippan", "Klippans kommun", "kommun"),
    ("perstorp", "Perstorps kommun", "kommun"),
    ("orkelljunga", "Örkelljunga kommun", "kommun"),
)


@dataclass(frozen=True)
class DemoUser:
    """A demo user: username, the org it acts for, its role and what it is for."""

    username: str
    org: str
    role: str
    description: str


def demo_users() -> list[DemoUser]:
    """Every demo user, in the order they are printed."""
    users = [
        DemoUser(slug, slug, "representant", f"representant för {name} i beredningsgruppen")
        for slug, name, _ in DEMO_MEMBERS
    ]
    users += [
        DemoUser("kansli", "kansli", "kansli", "förbundsdirektör, förbundskansliet"),
        DemoUser("styrelse", "styrelse", "styrelse", "för in styrelsens beslut"),
        DemoUser("designer", "kansli", "designer", "processdesigner"),
        DemoUser("auditor", "kansli", "auditor", "revisor: läser allt, ändrar inget"),
        DemoUser("admin", "kansli", "admin", "administrerar användare"),
    ]
    return users


def load_demo(target: Finsam | Database, password: str | None = None) -> list[DemoUser]:
    """Create the demo förbund with its members, the bundled diagrams as its versions, and its
    users; idempotent. `password` resets every demo user's password (new users get it, or the
    default demo password). Pass the system to reuse its engine (and its parsed specs)."""
    slug, name = DEMO_FORBUND
    db = target.db if isinstance(target, Finsam) else target
    engine = target.engine if isinstance(target, Finsam) else Engine(db, FinsamHooks(db))
    members = [Member(org, kind, org_name) for org, org_name, kind in DEMO_MEMBERS]
    add_forbund(engine, slug, name, members, bundled_diagrams(), "finsam demo")
    users = demo_users()
    # One hash for the one shared demo password: scrypt is slow on purpose.
    shared_hash = hash_password(password or DEMO_PASSWORD)
    for user in users:
        add_user(
            db,
            user.username,
            slug,
            user.org,
            user.role,
            password or DEMO_PASSWORD,
            display_name=_display_name(user),
            now=utc_now(),
            password_hash=shared_hash,
        )
        if password:
            set_password(db, user.username, password, shared_hash)
    return users


def _display_name(user: DemoUser) -> str:
    names = {slug: name for slug, name, _ in DEMO_MEMBERS}
    if user.role == "representant":
        return f"Representant {names[user.org]}"
    return {
        "kansli": "Förbundsdirektören",
        "styrelse": "Styrelsens sekreterare",
        "designer": "Processdesignern",
        "auditor": "Revisorn",
        "admin": "Administratören",
    }[user.role]


def has_demo(db: Database) -> bool:
    """Whether the demo förbund exists with at least one user."""
    with db.read() as session:
        return (
            session.scalar(
                select(Membership.id)
                .join(Forbund, Forbund.id == Membership.forbund_id)
                .join(User, User.id == Membership.user_id)
                .where(Forbund.slug == DEMO_FORBUND[0])
                .limit(1)
            )
            is not None
        )
