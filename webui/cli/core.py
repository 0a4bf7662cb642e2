"""The `finsam` command line.

Every command reads the database URL from FINSAM_DATABASE_URL (default: an SQLite file in the
instance folder) and exits non-zero with a one-line message on error, never a traceback.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from engine import CLI, DeployResult, SpecError, utc_now
from webui.cli.common import database_url, fail, friendly, system
from workflows import schema
from workflows.demo import DEMO_FORBUND, DEMO_PASSWORD, load_demo
from workflows.memberships import ADDED, CREATED, UNCHANGED, add_member, lock_account
from workflows.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    new_token,
    revoke_token,
    revoke_tokens,
    tokens_of,
)


@click.group()
def main() -> None:
    """finsam-flow: BPMN workflows with human tasks for samordningsförbund."""


@main.command()
@friendly
def init() -> None:
    """Create or upgrade the schema and deploy the bundled diagrams to every förbund
    (idempotent)."""
    with system() as finsam:
        results = finsam.init()
        if not finsam.forbunds():
            click.echo("Schema current. No förbund yet: each förbund gets the bundled diagrams "
                       "when it is created (finsam forbund add, finsam demo).")
    echo_deployed(results)


def echo_deployed(results: list[DeployResult]) -> None:
    """One line per förbund and process: the version and whether it is new."""
    for result in results:
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.tenant}: {result.process_id} version {result.version} ({state})")


@main.command()
@click.option("--password", help="Set this password for every demo user.")
@click.option("--history", is_flag=True,
              help="Also run a realistic past through the engine (once), for the reports.")
@friendly
def demo(password: str | None, history: bool) -> None:
    """Load the demo förbund and its users (idempotent); print who can log in."""
    with system() as finsam:
        finsam.init()
        users = load_demo(finsam, password)
    if history:
        from workflows.demo_history import load_history

        created = load_history(database_url())
        click.echo(f"History: {created} instances run through the engine" if created
                   else "History: already loaded")
    click.echo(f"Demo: {DEMO_FORBUND[1]} ({DEMO_FORBUND[0]})")
    click.echo(f"Password for every demo user: {password or DEMO_PASSWORD}")
    for user in users:
        click.echo(f"  {user.username:<14} {user.description}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@friendly
def serve(host: str, port: int) -> None:
    """Serve the web app and the API."""
    from webui import create_app

    loopback = host in ("127.0.0.1", "localhost", "::1")
    config: dict[str, object] = {"DATABASE_URL": database_url()}
    if loopback and os.environ.get("FINSAM_ENV") != "production":
        config["SESSION_COOKIE_SECURE"] = False  # plain http on this machine only
    app = create_app(config)
    click.echo(f"finsam-flow on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("name")
@click.option("--forbund", "forbund", required=True, help="The förbund's slug.")
@click.option("--org", required=True, help="Member org slug, or kansli / styrelse.")
@click.option(
    "--role", required=True,
    help="representant, kansli, styrelse, designer, auditor, admin, nationell (Försäkringskassan "
         "nationellt: --org fk in each förbund; reads the follow-up of them all, figures only)"
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@friendly
def user_add(name: str, forbund: str, org: str, role: str, password_stdin: bool) -> None:
    """Add a user acting for ORG of a förbund."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        fail("give the password with --password-stdin")
        return
    with system() as finsam:
        added = add_member(finsam.db, forbund, name, org, role, password, by_operator=True)
    note = {CREATED: "", ADDED: " (existing account: its password was not changed)",
            UNCHANGED: " already (nothing changed; the password was not changed)"}
    click.echo(f"{added.username} acts for {added.org_name} as {added.role}"
               f"{note.get(added.outcome, '')}")


@user.command("lock")
@click.argument("name")
@click.option("--unlock", is_flag=True, help="Lift the lock again.")
@friendly
def user_lock(name: str, unlock: bool) -> None:
    """Lock NAME's account in every förbund at once (an operator's lock; each förbund's admin
    switches only that förbund's memberships)."""
    with system() as finsam:
        lock_account(finsam.db, name, not unlock)
    click.echo(f"{name}: account {'unlocked' if unlock else 'locked in every förbund'}")


@user.command("token")
@click.argument("name")
@click.option("--days", type=int, default=DEFAULT_DAYS, show_default=True,
              help=f"How many days the new token works (1-{MAX_DAYS}).")
@click.option("--label", default="", help="What the token is for, shown in listings.")
@click.option("--list", "listing", is_flag=True, help="List NAME's tokens (never the tokens).")
@click.option("--revoke", "revoke_id", type=int, default=None, metavar="ID",
              help="Revoke NAME's token ID (see --list).")
@click.option("--revoke-all", is_flag=True, help="Revoke every token of NAME.")
@friendly
def user_token(name: str, days: int, label: str, listing: bool, revoke_id: int | None,
               revoke_all: bool) -> None:
    """Print a new API token for NAME (shown once), or list or revoke NAME's tokens."""
    if listing + (revoke_id is not None) + revoke_all > 1:
        fail("give one of --list, --revoke ID, --revoke-all")
    with system() as finsam:
        if listing:
            now = utc_now()
            click.echo(f"{'ID':>6}  {'LABEL':<30} {'CREATED UTC':<16} {'EXPIRES UTC':<16} "
                       f"{'LAST USED UTC':<16} STATE")
            for row in tokens_of(finsam.db, name):
                click.echo(f"{row.id:>6}  {row.label[:30]:<30} {_minute(row.created_at):<16} "
                           f"{_minute(row.expires_at):<16} {_minute(row.last_used_at):<16} "
                           f"{row.state(now)}")
        elif revoke_id is not None:
            revoke_token(finsam.db, name, revoke_id)
            click.echo(f"token {revoke_id} of {name} revoked")
        elif revoke_all:
            click.echo(f"{revoke_tokens(finsam.db, name)} token(s) revoked")
        else:
            click.echo(new_token(finsam.db, name, days=days, label=label))


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@friendly
def lint(files: tuple[Path, ...]) -> None:
    """Validate BPMN files; each problem with file, line, element and a fix."""
    failures = 0
    with system() as finsam:
        for path in files:
            try:
                finsam.lint_files([path])
            except SpecError as exc:
                failures += len(exc.problems)
                for problem in exc.problems:
                    click.echo(str(problem) if problem.file else f"{path}: {problem}", err=True)
            else:
                click.echo(f"{path}: ok")
    if failures:
        fail(f"{failures} problem(s) in {len(files)} file(s)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "deployed_by", default=None, help="Who deploys (default: $USER).")
@click.option("--forbund", "forbunds", multiple=True, metavar="SLUG",
              help="Deploy to this förbund only (repeatable; default: every förbund).")
@friendly
def deploy(files: tuple[Path, ...], deployed_by: str | None, forbunds: tuple[str, ...]) -> None:
    """Validate and deploy BPMN files as new versions of each förbund, or of the --forbund
    given (content a förbund already has is no new version there)."""
    who = deployed_by or os.environ.get("USER") or CLI
    with system() as finsam:
        schema.upgrade(finsam.db)
        if not finsam.forbunds():
            fail("no förbund to deploy to: create one with finsam forbund add")
        echo_deployed(finsam.deploy_files(list(files), who, forbunds or None))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the SVG to this file instead of standard output.")
@click.option("--diagram", default=0, show_default=True, type=int,
              help="Which diagram of the file to draw (0 = the first).")
@friendly
def render(file: Path, output: Path | None, diagram: int) -> None:
    """Draw the BPMN diagram in FILE as SVG."""
    from engine import render_svg

    try:
        svg = render_svg(file.read_bytes(), diagram=diagram, filename=str(file))
    except SpecError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"{file}: cannot draw this file")
        return
    if output is None:
        click.echo(svg)
    else:
        output.write_text(svg + "\n", encoding="utf-8")
        click.echo(f"{output}: diagram {diagram} of {file}")
