"""`finsam worker`: fire due timers and send notifications, once or in a loop."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from workflows.notify import SmtpConfig
from workflows.worker import tick

from .cli_common import friendly, system


def register(main: click.Group) -> None:
    """Add the worker command to the `finsam` group."""

    @main.command()
    @click.option("--once", is_flag=True, help="One tick, then exit.")
    @click.option("--interval", default=60.0, show_default=True, type=float,
                  help="Seconds between ticks.")
    @friendly
    def worker(once: bool, interval: float) -> None:
        """Fire due timers and send e-mail (FINSAM_SMTP_HOST; off when unset). Several workers
        may run at once: each timer fires and each notification is sent once."""
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        if not once:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        config = SmtpConfig.from_env()
        if config is None and not once:
            click.echo("e-mail is off (FINSAM_SMTP_HOST is not set)")
        with system() as finsam:
            while True:
                done = tick(finsam, config)
                if once or done.fired or done.sent or done.digests:
                    click.echo(f"timers fired: {done.fired}, messages sent: {done.sent}, "
                               f"digests: {done.digests}")
                if once or stop.wait(interval):
                    break
