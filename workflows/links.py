"""One-time links to set or reset a password: a random token of 256 bits, of which the database
keeps the sha256, and the token itself only until the worker has mailed it (`send_links`). A link
works once and for LINK_LIFETIME (72 hours); using it sets the password and ends every session of
the account. Asking for a reset answers the same whether or not the address belongs to anyone: no
one learns who has an account. Invitations (`people.invite`) issue them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine import Database, utc_now

from . import mail, passwords
from .models import User, UserLink
from .sessions import close_sessions_of

LINK_LIFETIME = timedelta(hours=72)
INVITE = "invite"
RESET = "reset"
log = logging.getLogger(__name__)


class LinkRefused(Exception):
    """A link that does not work (unknown, used or expired), with the reason in Swedish."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(session: Session, user: User, purpose: str, now: datetime,
               forbund_name: str | None = None) -> str:
    """A new one-time link's token for `user`, queued for mail to the user's address. Earlier
    unused links of the same purpose stop working."""
    session.execute(update(UserLink).where(
        UserLink.user_id == user.id, UserLink.purpose == purpose, UserLink.used_at.is_(None))
        .values(used_at=now, pending=None))
    token = secrets.token_urlsafe(32)
    session.add(UserLink(user_id=user.id, purpose=purpose, token_hash=_digest(token),
                         email=user.email, forbund_name=forbund_name,
                         pending=token if user.email else None, created_at=now,
                         expires_at=now + LINK_LIFETIME,
                         mailed_at=None if user.email else now))
    return token


def _live_link(session: Session, token: str, purpose: str, now: datetime) -> UserLink:
    link = session.scalar(select(UserLink).where(UserLink.token_hash == _digest(token[:100]),
                                                 UserLink.purpose == purpose))
    if link is None:
        raise LinkRefused("Länken finns inte. Kontrollera att hela länken kom med.")
    if link.used_at is not None:
        raise LinkRefused("Länken är redan använd och fungerar bara en gång.")
    if link.expires_at <= now:
        raise LinkRefused("Länken har gått ut: den gäller i 72 timmar.")
    user = session.get_one(User, link.user_id)
    if not user.active:
        raise LinkRefused("Kontot är låst.")
    return link


def link_user(db: Database, token: str, purpose: str, now: datetime | None = None) -> str:
    """The username a working link is for; LinkRefused otherwise."""
    with db.read() as session:
        link = _live_link(session, token, purpose, now or utc_now())
        return session.get_one(User, link.user_id).username


def use_link(db: Database, token: str, purpose: str, password: str,
             now: datetime | None = None) -> str:
    """Set the password with a working link and spend the link; the username. LinkRefused for
    a link that does not work, InvalidData for a password that may not be chosen."""
    at = now or utc_now()
    with db.write() as session:
        link = _live_link(session, token, purpose, at)
        user = session.get_one(User, link.user_id)
        passwords.check(password, user.username)
        spent = session.execute(update(UserLink).where(
            UserLink.id == link.id, UserLink.used_at.is_(None)).values(used_at=at, pending=None))
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkRefused("Länken är redan använd och fungerar bara en gång.")
        user.password_hash = passwords.hash_password(password)
        close_sessions_of(session, user.id)
        return user.username


def request_reset(db: Database, email: str, now: datetime | None = None) -> None:
    """Queue a reset link to every unlocked account with this address; nothing when there is
    none. The caller answers the same either way."""
    at = now or utc_now()
    wanted = email.strip()
    if not wanted or len(wanted) > 300:
        return
    with db.write() as session:
        users = session.scalars(select(User).where(
            func.lower(User.email) == wanted.lower(), User.active.is_(True))).all()
        for user in users:
            issue_link(session, user, RESET, at)


def link_message(sender: str, base_url: str, link: UserLink, token: str) -> EmailMessage:
    """The message that carries an invitation's or a reset's link."""
    if link.purpose == INVITE:
        subject = "Välkommen till finsam-flow"
        lines = [f"Du är inbjuden till {mail.one_line(link.forbund_name or 'finsam-flow')} "
                 "i finsam-flow.", "",
                 "Välj ditt lösenord här (länken fungerar en gång och i 72 timmar):",
                 f"{base_url}/invitation/{token}"]
    else:
        subject = "Nytt lösenord i finsam-flow"
        lines = ["Någon bad om ett nytt lösenord för ditt konto i finsam-flow.", "",
                 "Välj ett nytt lösenord här (länken fungerar en gång och i 72 timmar):",
                 f"{base_url}/password/reset/{token}", "",
                 "Bad du inte om det? Då kan du bortse från meddelandet; ditt lösenord är kvar."]
    return mail.message(sender, link.email or "", subject, lines)


def send_links(db: Database, now: datetime, sender: str | None, base_url: str,
               send: Callable[[list[EmailMessage]], None] | None) -> int:
    """Mail every link waiting in the outbox at most once and forget its token; how many went
    out. The links are claimed (token taken, `mailed_at` stamped) in one short transaction and
    sent after it with no transaction open, so the mail server is never talked to under a lock
    and a killed worker never mails a link twice (it can be asked for again). With mail off
    (`send` None) the tokens are forgotten unsent: the operator hands an invitation's link over
    by hand (`finsam forbund add --admin` prints it)."""
    messages: list[tuple[int, EmailMessage]] = []
    with db.write() as session:
        rows = session.scalars(select(UserLink).where(
            UserLink.mailed_at.is_(None))
            .order_by(UserLink.id).limit(100).with_for_update(skip_locked=True)).all()
        for row in rows:
            token, row.pending, row.mailed_at = row.pending, None, now
            if send is None or sender is None or token is None or row.used_at is not None:
                continue
            try:
                messages.append((row.id, link_message(sender, base_url, row, token)))
            except Exception as error:  # logged; the link can be asked for again
                log.warning("link %s not mailed: %s", row.id, error)
    sent = 0
    for row_id, message in messages:
        assert send is not None
        try:
            send([message])
        except Exception as error:  # logged; the link can be asked for again
            log.warning("link %s not mailed: %s", row_id, error)
        else:
            sent += 1
    return sent


def forget_users_links(session: Session, user_id: int) -> None:
    """Delete a user's links (when the account goes)."""
    session.execute(delete(UserLink).where(UserLink.user_id == user_id))


