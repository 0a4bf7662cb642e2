"""Single sign-on with OpenID Connect: the identity providers each förbund trusts, and linking a
signed-in identity to an account.

Providers are configured outside the database: `FINSAM_OIDC_PROVIDERS` names a JSON file with a
list of providers, each
`{"id", "name", "forbund", "issuer", "client_id", "client_secret_env" | "client_secret_file",
"email_domains"?}`; the client secret is read from that environment variable or file (never
written in the JSON or the database). The web side (`webui/sso.py`) runs the code flow with
Authlib: discovery, PKCE, state and nonce, and the ID token's signature, issuer, audience and
expiry checked.

An identity (issuer, `sub`) signs in as the account it is linked to. The first time, it is
linked only by a verified claim to an account that a förbund's admin (or the operator) invited
to the provider's förbund: the `email` claim with `email_verified` true, equal to the address the
invitation was sent to (never the e-mail the person keeps in the profile) and within the
provider's `email_domains` if it names any. No account is ever created from
an identity, so nobody signs themselves into a förbund.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import Database, Forbidden, utc_now

from .links import INVITE
from .models import Forbund, Membership, OidcIdentity, User, UserLink

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
NOT_INVITED = ("Ingen inbjudan väntar på den här inloggningen. Be förbundets administratör lägga "
               "till dig med den e-postadress din organisation har för dig, eller logga in med "
               "ditt användarnamn och lösenord.")


@dataclass(frozen=True)
class Provider:
    """An identity provider a förbund trusts."""

    id: str
    name: str
    forbund: str
    issuer: str
    client_id: str
    client_secret: str
    email_domains: tuple[str, ...] = ()

    @property
    def metadata_url(self) -> str:
        """Where discovery reads the provider's endpoints and keys."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _secret(entry: Mapping[str, Any], env: Mapping[str, str]) -> str:
    if "client_secret" in entry:
        raise RuntimeError("an OIDC client secret is read from client_secret_env or "
                           "client_secret_file, never written in the provider list")
    if entry.get("client_secret_env"):
        value = env.get(str(entry["client_secret_env"]), "")
    elif entry.get("client_secret_file"):
        value = Path(str(entry["client_secret_file"])).read_text(encoding="utf-8").strip()
    else:
        raise RuntimeError(f"OIDC provider {entry.get('id')!r}: no client_secret_env or "
                           "client_secret_file")
    if not value:
        raise RuntimeError(f"OIDC provider {entry.get('id')!r}: its client secret is empty")
    return value


def parse_providers(entries: Any, env: Mapping[str, str] | None = None) -> list[Provider]:
    """Providers from their configuration (a list of mappings); RuntimeError naming what is
    wrong."""
    env = os.environ if env is None else env
    if not isinstance(entries, list):
        raise RuntimeError("the OIDC provider list must be a JSON list")
    found: list[Provider] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise RuntimeError("each OIDC provider is a JSON object")
        missing = [k for k in ("id", "name", "forbund", "issuer", "client_id") if
                   not isinstance(entry.get(k), str) or not entry[k]]
        if missing:
            raise RuntimeError(f"OIDC provider {entry.get('id')!r} lacks {', '.join(missing)}")
        if not PROVIDER_ID.fullmatch(entry["id"]) or any(p.id == entry["id"] for p in found):
            raise RuntimeError(f"OIDC provider id {entry['id']!r}: a-z, 0-9 and -, unique")
        if not entry["issuer"].startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise RuntimeError(f"OIDC provider {entry['id']!r}: the issuer must be https")
        domains = entry.get("email_domains", [])
        found.append(Provider(entry["id"], entry["name"], entry["forbund"], entry["issuer"],
                              entry["client_id"], _secret(entry, env),
                              tuple(str(d).lower() for d in domains)))
    return found


def load_providers(env: Mapping[str, str] | None = None) -> list[Provider]:
    """The providers of the file `FINSAM_OIDC_PROVIDERS` names (none when unset)."""
    env = os.environ if env is None else env
    path = env.get("FINSAM_OIDC_PROVIDERS", "")
    if not path:
        return []
    return parse_providers(json.loads(Path(path).read_text(encoding="utf-8")), env)


def sign_in(db: Database, provider: Provider, claims: Mapping[str, Any],
            now: datetime | None = None) -> str:
    """The username the validated ID token `claims` of `provider` signs in as, linking the
    identity on its first sign-in. Raises Forbidden (with the reason in Swedish) when it is
    linked to no account and no account of the provider's förbund waits for it."""
    try:
        return _sign_in(db, provider, claims, now)
    except IntegrityError:  # a sign-in of the same identity linked it meanwhile: use that link
        return _sign_in(db, provider, claims, now)


def _sign_in(db: Database, provider: Provider, claims: Mapping[str, Any],
             now: datetime | None) -> str:
    at = now or utc_now()
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    if issuer.rstrip("/") != provider.issuer.rstrip("/") or not subject:
        raise Forbidden("inloggningen kom inte från den identitetsleverantör du valde")
    with db.write() as session:
        link = session.scalar(select(OidcIdentity).where(
            OidcIdentity.issuer == issuer, OidcIdentity.subject == subject))
        if link is not None:
            user = session.get_one(User, link.user_id)
            if not user.active:
                raise Forbidden("kontot är låst; kontakta den som sköter finsam-flow")
            link.last_login_at = at
            return user.username
        invited = _invited(session, provider, claims)
        if invited is None:
            raise Forbidden(NOT_INVITED)
        taken = session.scalar(select(OidcIdentity.subject).where(
            OidcIdentity.issuer == issuer, OidcIdentity.user_id == invited.id))
        if taken == subject:  # a sign-in of the same identity has linked it meanwhile
            return invited.username
        if taken is not None:
            raise Forbidden("kontot är redan kopplat till en annan inloggning hos den här "
                            "leverantören; be förbundets administratör om hjälp")
        _link(session, issuer, subject, invited.id, at)
        return invited.username


def _link(session: Any, issuer: str, subject: str, user_id: int, at: datetime) -> None:
    session.add(OidcIdentity(issuer=issuer, subject=subject, user_id=user_id, linked_at=at,
                             last_login_at=at))
    session.flush()  # a link another sign-in made meanwhile: IntegrityError here


def _invited(session: Any, provider: Provider, claims: Mapping[str, Any]) -> User | None:
    """The account an admin invited to the provider's förbund at the identity's verified e-mail
    (None when there is no such single account)."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True or "@" not in email:
        return None
    email = email.strip().lower()
    if provider.email_domains and email.rsplit("@", 1)[1] not in provider.email_domains:
        return None
    # The address an admin's invitation was sent to, never the account's own e-mail: that one
    # the person writes in the profile, so it would let anyone claim anyone's identity.
    users = session.scalars(
        select(User).distinct()
        .join(UserLink, UserLink.user_id == User.id)
        .join(Membership, Membership.user_id == User.id)
        .join(Forbund, Forbund.id == Membership.forbund_id)
        .where(UserLink.purpose == INVITE, func.lower(UserLink.email) == email,
               User.active.is_(True),
               Forbund.slug == provider.forbund, Membership.active.is_(True),
               Membership.status.in_(("accepted", "invited")))
    ).all()
    return users[0] if len(users) == 1 else None


def linked_identities(db: Database, username: str) -> list[tuple[str, str]]:
    """(issuer, subject) of every identity linked to an account."""
    with db.read() as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(OidcIdentity.issuer, OidcIdentity.subject)
            .join(User, User.id == OidcIdentity.user_id).where(User.username == username)
            .order_by(OidcIdentity.id))]
