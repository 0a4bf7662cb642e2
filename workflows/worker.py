"""What `finsam worker` does on each tick: fire due timers, then send the outbox and digests."""

from __future__ import annotations

from dataclasses import dataclass

from . import notify
from .system import Finsam


@dataclass(frozen=True)
class Tick:
    """What one tick did."""

    fired: int
    sent: int
    digests: int


def tick(finsam: Finsam, config: notify.SmtpConfig | None,
         send: notify.Send | None = None) -> Tick:
    """Fire the timers due on the system's clock, then send what the outbox holds."""
    now = finsam.engine.clock()
    fired = finsam.engine.fire_due_timers(now)
    sent = notify.send_outbox(finsam.db, now, config, send)
    digests = notify.send_digests(
        finsam.db, now, lambda capacity: finsam.task_list(capacity), config, send)
    return Tick(fired, sent, digests)
