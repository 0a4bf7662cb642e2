"""What `finsam worker` does on each tick: start the bevakningar, fire due timers, then send the
outbox and digests; and the loop that ticks until stopped and outlives the database's outages."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from . import escalation, links, notify, utlysningsplan
from .outages import DATABASE_ERRORS, describe
from .system import Finsam

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tick:
    """What one tick did."""

    fired: int
    sent: int
    digests: int
    started: int = 0
    links: int = 0  # invitation and reset links mailed
    overdue: int = 0  # tasks past their due date noted for a reminder
    escalated: int = 0  # tasks long past it noted for the kansli


def tick(finsam: Finsam, config: notify.SmtpConfig | None,
         send: notify.Send | None = None, escalate_after: timedelta | None = None) -> Tick:
    """Give every förbund its running bevakning of the utlysningsplan, fire the timers due on
    the system's clock, note tasks past their due date (a reminder; the kansli after
    `escalate_after`, `escalation.escalation_period()` when None), then send what the outbox
    holds (the new tasks of this tick too)."""
    now = finsam.engine.clock()
    started = utlysningsplan.ensure_running(finsam)
    fired = finsam.engine.fire_due_timers(now)
    noted = escalation.note_overdue(finsam.db, now, escalate_after)
    sent = notify.send_outbox(finsam.db, finsam.engine.clock, config, send)
    digests = notify.send_digests(
        finsam.db, finsam.engine.clock, lambda capacity: finsam.task_list(capacity), config, send)
    links_sent = links.send_links(
        finsam.db, finsam.engine.clock(), config.sender if config else None,
        config.base_url if config else "", (send or notify.smtp_sender(config)) if config else None)
    return Tick(fired, sent, digests, started, links_sent, noted.overdue, noted.escalated)


def run(finsam: Finsam, config: notify.SmtpConfig | None, stop: threading.Event,
        interval: float, report: Callable[[Tick], None],
        send: notify.Send | None = None, escalate_after: timedelta | None = None) -> None:
    """Tick every `interval` seconds until `stop` is set.

    A database error (DATABASE_ERRORS: the server restarting, a dropped connection, the pool
    exhausted, SQLite busy) never ends the loop: it is logged, the pool's connections are
    dropped, and the tick is tried again after a pause that doubles from BACKOFF_FIRST up to
    BACKOFF_MAX seconds. Each tick is its own short transactions, so a broken one leaves nothing
    half done (the outbox: see `outbox`). Any other error is a bug and ends the loop."""
    failures = 0
    while not stop.is_set():
        try:
            done = tick(finsam, config, send, escalate_after)
        except DATABASE_ERRORS as error:
            failures += 1
            pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (failures - 1))
            log.warning("database unavailable (%s); %s ticks in a row failed, trying again "
                        "in %.0f s", describe(error), failures, pause)
            finsam.db.dispose()
            stop.wait(pause)
            continue
        if failures:
            log.warning("database reachable again after %s failed ticks", failures)
            failures = 0
        report(done)
        stop.wait(interval)
