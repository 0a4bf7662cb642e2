"""`finsam person erase`: erasing a person's personal data (GDPR art. 17); `finsam retention`:
each förbund's retention, and erasing whoever it has come due for."""

from __future__ import annotations

import click

from engine import InvalidData
from webui.cli.common import fail, friendly, system
from workflows import case_retention, directory, retention
from workflows.memberships import OPERATOR


def register(main: click.Group) -> None:
    """Add the person commands to the `finsam` group."""

    @main.group()
    def person() -> None:
        """A person's personal data."""

    @person.command("erase")
    @click.argument("name")
    @friendly
    def person_erase(name: str) -> None:
        """Erase NAME (GDPR art. 17) once every membership has ended: the account, its name,
        e-mail, tokens, links and identities. The history keeps only the pseudonymous id and
        shows "borttagen person"; every chain still verifies."""
        with system() as finsam:
            try:
                erased = directory.erase(finsam.db, name, OPERATOR)
            except InvalidData as error:
                fail(f"{name}: " + "; ".join(error.details.values()))
                return
        click.echo(f"{name}: erased; the history keeps only {erased.actor_id} "
                   f"({', '.join(erased.forbunds) or 'no förbund'})")

    @main.command("retention")
    @click.option("--dry-run", is_flag=True, help="List who is due; erase nobody.")
    @click.option("--forbund", "forbund", default=None,
                  help="With --months: the förbund whose retention to set.")
    @click.option("--months", default=None, metavar="N|off",
                  help="Set the förbund's retention: months after a person's last membership "
                       "there ended (1-240), or off.")
    @friendly
    def retention_command(dry_run: bool, forbund: str | None, months: str | None) -> None:
        """List and erase the people whose retention is over: no membership left that has not
        ended, and their last administrative event older than the retention of every förbund
        that names them. Each erasure is recorded in those förbund's administrative history.
        Then the free text of every case that ended longer ago than its förbund's retention is
        purged, every chain still verifying (each purge recorded likewise).
        With --forbund and --months: set a förbund's retention instead."""
        with system() as finsam:
            if months is not None or forbund is not None:
                if months is None or forbund is None:
                    fail("--forbund and --months go together")
                    return
                value = None if months == "off" else _months(months)
                retention.set_months(finsam.db, forbund, value, OPERATOR)
                click.echo(f"{forbund}: retention "
                           f"{'off' if value is None else f'{value} months'}")
                return
            if dry_run:
                found = retention.due(finsam.db)
                for person in found:
                    click.echo(f"DUE {_line(person)}")
                cases = case_retention.due_cases(finsam.db)
                for due in cases:
                    click.echo(f"DUE {_case_line(due)}")
                click.echo(f"{len(found)} due; nothing erased (--dry-run)")
                click.echo(f"{len(cases)} ended cases due; no text purged (--dry-run)")
                return
            outcomes = retention.purge(finsam.db, OPERATOR)
            purged = case_retention.purge_cases(finsam.engine, OPERATOR)
        for outcome in outcomes:
            state = "ERASED" if outcome.erased else f"KEPT ({outcome.reason})"
            click.echo(f"{state} {_line(outcome.due)}")
        for case in purged:
            state = (f"PURGED ({case.events} events, {case.notes} notes)" if case.purged
                     else f"KEPT ({case.reason})")
            click.echo(f"{state} {_case_line(case.case)}")
        click.echo(f"{sum(o.erased for o in outcomes)} erased, "
                   f"{sum(not o.erased for o in outcomes)} kept")
        click.echo(f"{sum(c.purged for c in purged)} ended cases purged, "
                   f"{sum(not c.purged for c in purged)} kept")


def _months(text: str) -> int:
    if not text.isdigit():
        fail(f"--months: a number of months or off, not {text!r}")
    return int(text)


def _case_line(case: case_retention.DueCase) -> str:
    return (f"case {case.instance_id} ({case.process_id}) in {case.tenant}: ended "
            f"{case.completed_at.date().isoformat()}, retention {case.months} months")


def _line(person: retention.Due) -> str:
    return (f"{person.username} ({person.actor_id}) in {', '.join(person.forbunds)}: "
            f"ended {person.ended_at.date().isoformat()}, retention {person.months} months")
