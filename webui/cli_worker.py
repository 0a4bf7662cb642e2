"""`finsam worker`: start the bevakningar, fire due timers and send notifications, once or in a
loop; `finsam utlysningsplan restart`: resume a förbund's bevakning that its beredningsgrupp
ended."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from workflows import utlysningsplan
from workflows.notify import SmtpConfig
from workflows.worker import tick

from .cli_common import friendly, system


def register(main: click.Group) -> None:
    """Add the worker and utlysningsplan commands to the `finsam` group."""

    @main.command()
    @click.option("--once", is_flag=True, help="One tick, then exit.")
    @click.option("--interval", default=60.0, show_default=True, type=float,
                  help="Seconds between ticks.")
    @friendly
    def worker(once: bool, interval: float) -> None:
        """Start each förbund's bevakning of the utlysningsplan, fire due timers and send e-mail
        (FINSAM_SMTP_HOST; off when unset). Several workers may run at once: each förbund gets one
        bevakning, each timer fires and each notification is sent once."""
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
                if once or done.started or done.fired or done.sent or done.digests:
                    click.echo(f"bevakningar started: {done.started}, timers fired: {done.fired}, "
                               f"messages sent: {done.sent}, digests: {done.digests}")
                if once or stop.wait(interval):
                    break

    @main.group("utlysningsplan")
    def utlysningsplan_group() -> None:
        """The beredningsgrupp's bevakning of Svenska ESF-rådet's utlysningsplan."""

    @utlysningsplan_group.command()
    @click.option("--forbund", required=True, help="The förbund's slug.")
    @friendly
    def restart(forbund: str) -> None:
        """Start a förbund's bevakning again after its beredningsgrupp ended it (the worker never
        restarts an ended one)."""
        with system() as finsam:
            result = utlysningsplan.restart(finsam, forbund)
        if result is None:
            click.echo(f"{forbund}: a bevakning is already running or being started")
        else:
            click.echo(f"{forbund}: bevakning started (instance {result.instance.id})")
