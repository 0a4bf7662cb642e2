"""`finsam check`: is this a production configuration? Each check gives one line; a problem says
what is wrong and what to do.

Checked: the environment (`FINSAM_ENV`), the signing key, the database (PostgreSQL, reachable,
at the newest migration), the mail server (configured and answering), the base URL (https), the
trusted proxies, the audit key and secure cookies. Nothing is changed: no key is generated, no
migration run, no mail sent.
"""

from __future__ import annotations

import smtplib
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine import Database
from workflows.outages import DATABASE_ERRORS, describe
from workflows.schema import is_current
from workflows.smtp import SmtpConfig

from .keys import KEY_FILE, MIN_PRODUCTION_LENGTH

SMTP_TIMEOUT = 10
MAX_PROXIES = 10


@dataclass(frozen=True)
class Finding:
    """One check's result: `ok` with what was found, or the problem and the way to fix it."""

    topic: str
    ok: bool
    text: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'PROBLEM'} {self.topic}: {self.text}"


def check_all(env: Mapping[str, str], instance: Path) -> list[Finding]:
    """Every check, in the order an operator sets things up."""
    checks: list[Callable[[], Finding]] = [
        lambda: environment(env), lambda: signing_key(env, instance), lambda: database(env),
        lambda: mail_server(env), lambda: base_url(env), lambda: proxies(env),
        lambda: audit_key(env), lambda: cookies(env)]
    return [check() for check in checks]


def environment(env: Mapping[str, str]) -> Finding:
    if env.get("FINSAM_ENV") == "production":
        return Finding("environment", True, "FINSAM_ENV=production")
    return Finding("environment", False, "FINSAM_ENV is not 'production': set FINSAM_ENV="
                   "production (it refuses weak signing keys)")


def signing_key(env: Mapping[str, str], instance: Path) -> Finding:
    key = env.get("FINSAM_SECRET_KEY")
    if key is not None:
        if len(key) < MIN_PRODUCTION_LENGTH:
            return Finding("signing key", False, f"FINSAM_SECRET_KEY has {len(key)} characters: "
                           f"use at least {MIN_PRODUCTION_LENGTH} random ones "
                           "(python3 -c 'import secrets; print(secrets.token_hex(32))')")
        return Finding("signing key", True, "FINSAM_SECRET_KEY is set")
    path = instance / KEY_FILE
    if not path.exists():
        return Finding("signing key", False, f"FINSAM_SECRET_KEY is not set and {path} does not "
                       "exist yet: set FINSAM_SECRET_KEY (the same on every host)")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Finding("signing key", False, f"{path} may be read by others: chmod 600 {path}")
    return Finding("signing key", True, f"generated key in {path} (one host only; several hosts "
                   "must share FINSAM_SECRET_KEY)")


def database(env: Mapping[str, str]) -> Finding:
    url = env.get("FINSAM_DATABASE_URL") or ""
    if not url:
        return Finding("database", False, "FINSAM_DATABASE_URL is not set: point it at "
                       "PostgreSQL, e.g. postgresql+psycopg://finsam@db/finsam")
    try:
        parsed = make_url(url)
    except ArgumentError:
        return Finding("database", False, "FINSAM_DATABASE_URL is not a database URL")
    where = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() != "postgresql":
        return Finding("database", False, f"{where} is not PostgreSQL: production runs on "
                       "PostgreSQL (several processes, backups with pg_dump)")
    db = Database(parsed.update_query_dict({"connect_timeout": "5"}).render_as_string(
        hide_password=False))
    try:
        current = is_current(db)
    except DATABASE_ERRORS as error:
        return Finding("database", False, f"cannot reach {where} ({describe(error)})")
    finally:
        db.dispose()
    if not current:
        return Finding("database", False, f"{where} is not at the newest migration: run "
                       "finsam init")
    return Finding("database", True, f"{where} reachable, schema current")


def mail_server(env: Mapping[str, str]) -> Finding:
    config = SmtpConfig.from_env(env)
    if config is None:
        return Finding("mail", False, "FINSAM_SMTP_HOST is not set: e-mail is off")
    try:
        with smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.user:
                smtp.login(config.user, config.password or "")
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return Finding("mail", False, f"cannot use the mail server {config.host}:{config.port} "
                       f"({type(error).__name__}: {error})")
    if code != 250:
        return Finding("mail", False, f"the mail server {config.host}:{config.port} answered "
                       f"{code}")
    return Finding("mail", True, f"{config.host}:{config.port} answers, sending as "
                   f"{config.sender}")


def base_url(env: Mapping[str, str]) -> Finding:
    text = env.get("FINSAM_BASE_URL") or ""
    if not text:
        return Finding("base URL", False, "FINSAM_BASE_URL is not set: the links in e-mail need "
                       "the app's public address, e.g. https://finsam.example.se")
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        return Finding("base URL", False, f"FINSAM_BASE_URL {text!r} is not an https address "
                       "of the app, e.g. https://finsam.example.se")
    return Finding("base URL", True, text)


def proxies(env: Mapping[str, str]) -> Finding:
    text = env.get("FINSAM_TRUSTED_PROXIES")
    if text is None:
        return Finding("proxies", False, "FINSAM_TRUSTED_PROXIES is not set: behind a reverse "
                       "proxy set it to the number of proxies (usually 1), or to 0 without one")
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PROXIES:
        return Finding("proxies", False, f"FINSAM_TRUSTED_PROXIES must be a whole number "
                       f"0-{MAX_PROXIES}, not {text!r}")
    return Finding("proxies", True, f"{text} trusted proxies")


def audit_key(env: Mapping[str, str]) -> Finding:
    key = env.get("FINSAM_AUDIT_KEY") or ""
    if len(key) < MIN_PRODUCTION_LENGTH:
        return Finding("audit key", False, "FINSAM_AUDIT_KEY is not set or shorter than "
                       f"{MIN_PRODUCTION_LENGTH} characters: exports, heads and backups go "
                       "unsigned; set it and keep it apart from the database")
    return Finding("audit key", True, "FINSAM_AUDIT_KEY is set")


def cookies(env: Mapping[str, str]) -> Finding:
    if env.get("FINSAM_INSECURE_COOKIES") == "1":
        return Finding("cookies", False, "FINSAM_INSECURE_COOKIES=1 sends the login cookie over "
                       "plain http: unset it")
    return Finding("cookies", True, "sent over https only")
