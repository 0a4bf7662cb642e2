"""`finsam forbund add`: a förbund with its member organisations and the bundled diagrams."""

from __future__ import annotations

import os

import click

from webui.cli.common import fail, friendly, system
from workflows import register as national
from workflows import schema
from workflows.founding import FirstAdmin, found, found_from_register
from workflows.memberships import OPERATOR
from workflows.notify import SmtpConfig
from workflows.tenants import ForbundAdded, bundled_diagrams


def register(main: click.Group) -> None:
    """Add the förbund commands to the `finsam` group."""

    @main.group()
    def forbund() -> None:
        """Manage förbund (the tenants)."""

    @forbund.command("register")
    @click.argument("search", required=False, default="")
    def forbund_register(search: str) -> None:
        """List the register of samordningsförbund 2023 (those whose name holds SEARCH)."""
        wanted = national.slugify(search)
        for entry in national.register():
            if wanted in national.slugify(entry.name):
                kommuner = [k for ks in entry.kommuner.values() for k in ks]
                click.echo(f"{entry.name} ({', '.join(entry.kommuner)}): {', '.join(kommuner)}")

    @forbund.command("add")
    @click.argument("slug")
    @click.option("--name", help="The förbund's name (default: its name in the register).")
    @click.option("--from-register", "from_register", metavar="NAME",
                  help="Take the förbund and its members from the register of samordningsförbund "
                  "2023: its kommuner, the region of its län, Arbetsförmedlingen and "
                  "Försäkringskassan (see finsam forbund register).")
    @click.option("--member", "members", multiple=True, metavar="ORG:KIND:NAME",
                  help="A member organisation (KIND: af, fk, kommun, region); repeatable.")
    @click.option("--admin", "admin", metavar="USERNAME",
                  help="The förbund's first admin: invited by e-mail (--admin-email) with a "
                  "one-time link, valid 72 hours, to choose a password.")
    @click.option("--admin-email", "admin_email", metavar="EMAIL",
                  help="Where the first admin's invitation goes.")
    @click.option("--admin-name", "admin_name", metavar="NAME", help="The admin's name.")
    @friendly
    def forbund_add(slug: str, name: str | None, from_register: str | None,
                    members: tuple[str, ...], admin: str | None, admin_email: str | None,
                    admin_name: str | None) -> None:
        """Create förbund SLUG with its member organisations and deploy the bundled diagrams to
        it. Idempotent: the same arguments again change nothing."""
        if not name and not from_register:
            fail("give the förbund's name with --name, or take it with --from-register NAME")
            return
        if bool(admin) != bool(admin_email):
            fail("give the first admin with both --admin USERNAME and --admin-email EMAIL")
            return
        first = FirstAdmin(admin, admin_email or "", admin_name) if admin else None
        with system() as finsam:
            schema.upgrade(finsam.db)
            if from_register:
                founded = found_from_register(finsam.engine, slug, from_register, first,
                                              OPERATOR, bundled_diagrams(), name=name,
                                              extra=members)
            else:
                founded = found(finsam.engine, slug, name or "", members, first, OPERATOR,
                                bundled_diagrams())
        added, invited = founded.added, founded.invited
        _say_added(added)
        if invited is None:
            return
        if not invited.created:
            click.echo(f"{slug}: admin {invited.username} has an account already; its "
                       "password is not touched (it acts as admin once it has accepted)")
        elif SmtpConfig.from_env() is None:
            base = os.environ.get("FINSAM_BASE_URL", "http://localhost:5000").rstrip("/")
            click.echo(f"{slug}: admin {invited.username} invited; mail is off "
                       "(FINSAM_SMTP_HOST unset), so hand over this one-time link yourself, "
                       f"valid 72 hours: {base}/invitation/{invited.link}")
        else:
            click.echo(f"{slug}: admin {invited.username} invited; `finsam worker` mails the "
                       f"one-time link (valid 72 hours) to {admin_email}")


def _say_added(added: ForbundAdded) -> None:
    slug = added.slug
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
