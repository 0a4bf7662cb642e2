"""`finsam worker`: start the bevakningar, fire due timers and send notifications, once or in a
loop; `finsam utlysningsplan restart`: resume a förbund's bevakning that its beredningsgrupp
ended."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

import click

from webui.cli.common import fail, friendly, system
from workflows import utlysningsplan
from workflows.escalation import escalation_period
from workflows.notify import SmtpConfig
from workflows.worker import Tick, run, tick


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
        bevakning, each timer fires once and each notification is sent at most once. When the
        database goes away the worker logs it, waits and carries on by itself."""
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        if not once:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        config = SmtpConfig.from_env()
        try:
            escalate_after = escalation_period()
        except ValueError as error:
            fail(str(error))
            return
        if config is None and not once:
            click.echo("e-mail is off (FINSAM_SMTP_HOST is not set)")
        if not once and not logging.getLogger().handlers:
            # The loop's warnings (mail not sent, the database away and back) go to stderr.
            logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")

        def report(done: Tick) -> None:
            if (once or done.started or done.fired or done.sent or done.digests or done.overdue
                    or done.escalated):
                click.echo(f"bevakningar started: {done.started}, timers fired: {done.fired}, "
                           f"overdue noted: {done.overdue}, escalated: {done.escalated}, "
                           f"messages sent: {done.sent}, digests: {done.digests}")

        with system() as finsam:
            if once:
                report(tick(finsam, config, escalate_after=escalate_after))
            else:  # outlives the database's outages (workflows/worker.py)
                run(finsam, config, stop, interval, report, escalate_after=escalate_after)

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
