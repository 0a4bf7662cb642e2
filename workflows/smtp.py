"""Where and how mail goes: the SMTP configuration of the environment and one connection's sender.

A `Send` hands messages to the mail server; what it raises tells whether the server failed (all
mail waits) or one message did (`server_failed`)."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpConfig:
    """Where and as whom to send mail."""

    host: str
    port: int = 25
    sender: str = "finsam-flow@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    base_url: str = "http://localhost:5000"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """The configuration of FINSAM_SMTP_* and FINSAM_BASE_URL; None when mail is off."""
        env = os.environ if env is None else env
        host = env.get("FINSAM_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("FINSAM_SMTP_PORT") or 25),
            sender=env.get("FINSAM_SMTP_FROM") or "finsam-flow@localhost",
            user=env.get("FINSAM_SMTP_USER") or None,
            password=env.get("FINSAM_SMTP_PASSWORD") or None,
            starttls=(env.get("FINSAM_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
            base_url=(env.get("FINSAM_BASE_URL") or "http://localhost:5000").rstrip("/"),
        )


Send = Callable[[list[EmailMessage]], None]


def smtp_sender(config: SmtpConfig) -> Send:
    """Send messages over one SMTP connection."""

    def send(messages: list[EmailMessage]) -> None:
        if not messages:
            return
        with smtplib.SMTP(config.host, config.port, timeout=30) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.user:
                smtp.login(config.user, config.password or "")
            for message in messages:
                smtp.send_message(message)

    return send


def server_failed(error: Exception) -> bool:
    """Whether `error` is the mail server's (unreachable, refused us, hung up) rather than one
    message's (a refused recipient or content, or a message that could not be built)."""
    return isinstance(error, OSError) and not isinstance(
        error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
