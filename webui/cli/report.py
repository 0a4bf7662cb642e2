"""`finsam report uppfoljning`: the follow-up report as a table, JSON or CSV."""

from __future__ import annotations

import json
from pathlib import Path

import click

from webui.cli.common import fail, friendly, system
from workflows.followup import (
    Period,
    build_report,
    names_of,
    to_csv,
    to_data_csv,
    to_table,
    to_xlsx,
)


def register(main: click.Group) -> None:
    """Add the report commands to the `finsam` group."""

    @main.group()
    def report() -> None:
        """Follow-up reports."""

    @report.command("uppfoljning")
    @click.option("--forbund", "forbund", default=None,
                  help="One förbund's slug (default: every förbund, in total and each).")
    @click.option("--from", "start", default=None, metavar="DATE",
                  help="Needs identified on or after this day (YYYY-MM-DD, Swedish time).")
    @click.option("--to", "end", default=None, metavar="DATE",
                  help="Needs identified on or before this day (YYYY-MM-DD).")
    @click.option("--format", "fmt",
                  type=click.Choice(["table", "json", "csv", "csv-data", "xlsx"]),
                  default="table", show_default=True,
                  help="csv: for Swedish Excel (semicolons, decimal comma, names); csv-data: "
                       "the tidy table of codes.")
    @click.option("-o", "--output", "output", default=None, metavar="FILE",
                  type=click.Path(dir_okay=False, writable=True),
                  help="Write to FILE (required for --format xlsx).")
    @friendly
    def uppfoljning(forbund: str | None, start: str | None, end: str | None, fmt: str,
                    output: str | None) -> None:
        """The follow-up of ESF+ project ideas (000 §8) and Finsam insatser (004)."""
        if fmt == "xlsx" and output is None:
            fail("--format xlsx writes a workbook: name the file with -o FILE")
            return
        period = Period.parse(start, end)
        with system() as finsam:
            known = finsam.forbunds()
            if forbund is not None and forbund not in known:
                fail(f"no förbund '{forbund}'")
                return
            tenants = (forbund,) if forbund else tuple(known)
            if not tenants:
                fail("no förbund yet: run 'finsam demo' or add one")
                return
            result = build_report(finsam.db, tenants, period)
            labelled = names_of(finsam.db, tenants)
            names = finsam.org_names(forbund) if forbund else {}
        if fmt == "xlsx":
            Path(str(output)).write_bytes(to_xlsx(result))
            return
        if fmt == "json":
            text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
        elif fmt == "csv":
            text = to_csv(result, labelled)
        elif fmt == "csv-data":
            text = to_data_csv(result)
        else:
            text = to_table(result, names)
        if output is not None:
            Path(output).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
