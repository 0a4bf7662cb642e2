"""A förbund founded from the national register with its first admin: the one path of
`finsam forbund add --from-register` and of the national administrator's page
(`webui/national_admin.py`).

The förbund gets the register's members (its kommuner, the region of each of its län,
Arbetsförmedlingen and Försäkringskassan) and the bundled diagrams (`tenants.add_forbund`); its
first admin is invited by e-mail with a one-time link (`people.invite`). The creation is the first
event of the förbund's administrative history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from engine import Engine, InvalidData, NotFound, utc_now

from . import mail
from . import register as national
from .admin_history import record
from .models import Forbund
from .parties import KANSLI
from .people import Invited, invite
from .tenants import ForbundAdded, Member, add_forbund
from .usernames import check_username

# Words of a register name that say what every förbund is: left out of a suggested short name.
_GENERIC = re.compile(r"\b(samordningsforbundet|samordningsforbund|finsam|i)\b")


@dataclass(frozen=True)
class FirstAdmin:
    """Who the förbund's first admin is: a username, where the invitation goes, a name."""

    username: str
    email: str
    display_name: str | None = None


@dataclass(frozen=True)
class Founded:
    """What founding did: the förbund (`ForbundAdded`) and the admin's invitation, if any."""

    added: ForbundAdded
    invited: Invited | None


def suggested_slug(name: str) -> str:
    """A short name for the register's förbund `name`: `Norra Dalarnas samordningsförbund` →
    `norra-dalarnas`; `-finsam` added where that is one of its members' (a förbund is never a
    party, so never the same short name as one)."""
    plain = national.slugify(name).replace("-", " ")
    short = re.sub(r"\s+", " ", _GENERIC.sub(" ", plain)).strip()
    slug = (short or plain).replace(" ", "-")[:56]
    try:
        members = {m.slug for m in national.find(name).members}
    except NotFound:
        members = set()
    return f"{slug}-finsam" if slug in members else slug


def check_admin(admin: FirstAdmin) -> None:
    """InvalidData naming the field (`admin_username`, `admin_email`) that is wrong, before
    anything is written."""
    try:
        check_username(admin.username)
    except InvalidData as error:
        raise InvalidData("invalid admin", {"admin_username": error.details.get(
            "username", error.message)}) from None
    try:
        mail.address(admin.email.strip())
    except ValueError:
        raise InvalidData("invalid admin", {
            "admin_email": "skriv en e-postadress, t.ex. namn@kommun.se"}) from None


def found(engine: Engine, slug: str, name: str, members: Sequence[str | Member],
          admin: FirstAdmin | None, by: str, bundled: Iterable[Path], *, new_only: bool = False,
          register_name: str | None = None, now: datetime | None = None) -> Founded:
    """Create (or, unless `new_only`, complete) förbund `slug` with `members` and the `bundled`
    diagrams, record the creation in its administrative history, and invite `admin` as its
    admin (acting for the kansli). InvalidData (a field in `details` where one is wrong, `slug`
    for a förbund that exists when `new_only`) before anything is written."""
    if admin is not None:
        check_admin(admin)
    exists = InvalidData("exists", {"slug": (
        f"det finns redan ett förbund med kortnamnet '{slug}'; välj ett annat")})
    if new_only:
        with engine.db.read() as session:
            if session.scalar(select(Forbund.id).where(Forbund.slug == slug)) is not None:
                raise exists
    added = add_forbund(engine, slug, name, members, bundled, by)
    if new_only and not added.created:
        raise exists  # created by someone else since the check: their admin, not a second one
    if added.created:
        with engine.db.write() as session:
            record(session, slug, by, "forbund_created", {
                "name": added.name, "register": register_name,
                "members": [m if isinstance(m, str) else m.slug for m in members]},
                now or utc_now())
    invited = None if admin is None else invite(
        engine.db, slug, admin.username, admin.email.strip(), KANSLI, "admin",
        admin.display_name, by, now)
    return Founded(added, invited)


def found_from_register(engine: Engine, slug: str, register_name: str,
                        admin: FirstAdmin | None, by: str, bundled: Iterable[Path], *,
                        name: str | None = None, extra: Sequence[str | Member] = (),
                        new_only: bool = False, now: datetime | None = None) -> Founded:
    """`found` with the förbund named `register_name` in the national register (NotFound with
    the closest names otherwise): its name (unless `name`) and its members, then `extra`."""
    entry = national.find(register_name)
    return found(engine, slug, name or entry.name, [*entry.members, *extra], admin, by,
                 bundled, new_only=new_only, register_name=entry.name, now=now)
