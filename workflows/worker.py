"""What `finsam worker` does on each tick: start the bevakningar, fire due timers, then send the
outbox and digests."""

from __future__ import annotations

from dataclasses import dataclass

from . import notify, utlysningsplan
from .system import Finsam


@dataclass(frozen=True)
class Tick:
    """What one tick did."""

    fired: int
    sent: int
    digests: int
    started: int = 0


def tick(finsam: Finsam, config: notify.SmtpConfig | None,
         send: notify.Send | None = None) -> Tick:
    """Give every förbund its running bevakning of the utlysningsplan, fire the timers due on
    the system's clock, then send what the outbox holds (the new tasks of this tick too)."""
    now = finsam.engine.clock()
    started = utlysningsplan.ensure_running(finsam)
    fired = finsam.engine.fire_due_timers(now)
    sent = notify.send_outbox(finsam.db, finsam.engine.clock, config, send)
    digests = notify.send_digests(
        finsam.db, finsam.engine.clock, lambda capacity: finsam.task_list(capacity), config, send)
    return Tick(fired, sent, digests, started)
