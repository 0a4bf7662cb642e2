"""The notification messages, built so that no value from the data can add a line or a header.

A step name comes from a deployed diagram (a modeller's label may hold line breaks), a title and
an e-mail address from what people typed. Each value goes through `one_line` before it reaches a
header or a line of the body: line breaks of every kind and other control characters become
spaces, and a header value is capped. An address must be exactly one address (`address`), or the
message is not built. Messages are in Swedish and carry the step name, the case's title and a
link, nothing else of the case.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

SUBJECT_LENGTH = 150
VALUE_LENGTH = 300
NO_TITLE = "(utan titel)"
FOOTER_EACH = "Du får det här meddelandet för att du har valt e-post om uppgifter i din profil."
FOOTER_DIGEST = "Du får en sammanfattning om dagen för att du har valt det i din profil."
FOOTER_ESCALATION = ("Du får det här för att du arbetar i förbundskansliet och har valt e-post i "
                     "din profil.")


def one_line(value: str, limit: int = VALUE_LENGTH) -> str:
    """`value` as one line of at most `limit` characters: control characters, line and paragraph
    separators and bidirectional overrides become spaces, runs of spaces one, ends trimmed; a
    longer value is cut and ends with `…`."""
    spaced = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                     for c in value)
    text = " ".join(spaced.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def address(text: str) -> Address:
    """One e-mail address; ValueError when `text` is not exactly one (a list, a display name,
    line breaks, non-ASCII before the @)."""
    try:
        return Address(addr_spec=text)
    except (ValueError, IndexError, MessageError) as error:
        raise ValueError(f"ogiltig e-postadress ({error})") from error


def message_id(sender: str, to: str, *parts: object) -> str:
    """The Message-ID of the message `parts` name for recipient `to`: the same every time it
    is built, so a message handed to the mail server twice is recognisably one message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "finsam-flow.invalid"
    who = hashlib.sha256(to.strip().lower().encode("utf-8")).hexdigest()[:16]
    name = ".".join(str(part) for part in parts)
    return f"<finsam.{name}.{who}@{domain}>"


def message(sender: str, to: str, subject: str, lines: Iterable[str],
            identity: str | None = None) -> EmailMessage:
    """A plain-text message; `lines` are the body's lines, each already one line; `identity`
    its Message-ID (`message_id`).

    Raises ValueError when `to` is not one address."""
    built = EmailMessage()
    built["From"] = one_line(sender)  # configured by the operator, may carry a display name
    built["To"] = address(to)
    built["Subject"] = one_line(subject, SUBJECT_LENGTH)
    if identity is not None:
        built["Message-ID"] = identity
    built.set_content("\n".join(lines) + "\n")
    return built


def task_message(sender: str, base_url: str, to: str, kind: str, task_id: int, step: str,
                 title: str | None, notification_id: int | None = None,
                 due: str | None = None, waiting_for: str | None = None,
                 instance_id: int | None = None) -> EmailMessage:
    """A new task (`task_ready`), a reminder (`reminder`), a task a colleague handed to the
    recipient (`handed_over`), a task past its due date (`overdue`, with the `due` date) or, for
    the kansli, one long past it (`escalated`, naming whom it is `waiting_for` and linking the
    case) for one recipient; with the outbox row's id, a stable Message-ID."""
    name = one_line(step)
    link = f"Öppna uppgiften: {base_url}/tasks/{task_id}"
    facts = [f"Steg: {name}", f"Ärende: {one_line(title or '') or NO_TITLE}"]
    if kind == "reminder":
        subject = f"Påminnelse: {name}"
        lead = "Påminnelse: din organisation har en uppgift som väntar på er."
    elif kind == "handed_over":
        subject = f"En uppgift har lämnats till dig: {name}"
        lead = "En kollega har lämnat över en uppgift till dig i finsam-flow. Den är din nu."
    elif kind == "overdue":
        subject = f"Försenad: {name}"
        lead = "En uppgift som väntar på din organisation har passerat sitt slutdatum."
        facts.append(f"Skulle vara klar: {one_line(due or '')}")
    elif kind == "escalated":
        subject = f"Försenad sedan länge: {name}"
        lead = ("En uppgift har passerat sitt slutdatum och är fortfarande inte gjord. Kansliet "
                "får det här för att kunna hjälpa parten vidare.")
        facts += [f"Väntar på: {one_line(waiting_for or '')}",
                  f"Skulle vara klar: {one_line(due or '')}"]
        if instance_id is not None:
            link = f"Öppna ärendet: {base_url}/instances/{instance_id}"
    else:
        subject = f"Ny uppgift: {name}"
        lead = "Din organisation har fått en ny uppgift i finsam-flow."
    footer = FOOTER_ESCALATION if kind == "escalated" else FOOTER_EACH
    return message(sender, to, subject, [lead, "", *facts, "", link, "", footer],
                   None if notification_id is None else message_id(sender, to, kind,
                                                                   notification_id))


def digest_message(sender: str, base_url: str, to: str,
                   tasks: Sequence[tuple[int, str, str | None]],
                   day: object | None = None) -> EmailMessage:
    """One day's open tasks (id, step name, title) for one recipient; with the `day`, a stable
    Message-ID."""
    lines = ["Det här väntar på din organisation i finsam-flow:", ""]
    for task_id, step, title in tasks:
        lines += [f"- {one_line(step)} – {one_line(title or '') or NO_TITLE}",
                  f"  {base_url}/tasks/{task_id}"]
    return message(sender, to, f"Dagens uppgifter i finsam-flow ({len(tasks)})",
                   [*lines, "", FOOTER_DIGEST],
                   None if day is None else message_id(sender, to, "digest", day))
