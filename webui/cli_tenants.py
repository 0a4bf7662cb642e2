"""`finsam forbund add`: a förbund with its member organisations and the bundled diagrams."""

from __future__ import annotations

import click

from workflows import schema
from workflows.system import bundled_diagrams
from workflows.tenants import add_forbund

from .cli_common import friendly, system


def register(main: click.Group) -> None:
    """Add the förbund commands to the `finsam` group."""

    @main.group()
    def forbund() -> None:
        """Manage förbund (the tenants)."""

    @forbund.command("add")
    @click.argument("slug")
    @click.option("--name", required=True, help="The förbund's name.")
    @click.option("--member", "members", multiple=True, metavar="ORG:KIND:NAME",
                  help="A member organisation (KIND: af, fk, kommun, region); repeatable.")
    @friendly
    def forbund_add(slug: str, name: str, members: tuple[str, ...]) -> None:
        """Create förbund SLUG with its member organisations and deploy the bundled diagrams to
        it. Idempotent: the same arguments again change nothing."""
        with system() as finsam:
            schema.upgrade(finsam.db)
            added = add_forbund(finsam.engine, slug, name, list(members), bundled_diagrams(),
                                "finsam forbund add")
        if not added.changed:
            click.echo(f"{slug}: unchanged (the förbund, its members and diagrams are there)")
            return
        if added.created:
            click.echo(f"{slug}: created ({added.name})")
        if added.members_added:
            click.echo(f"{slug}: members added: {', '.join(added.members_added)}")
        for result in added.deployed:
            state = "deployed" if result.created else "unchanged"
            click.echo(f"{slug}: {result.process_id} version {result.version} ({state})")
