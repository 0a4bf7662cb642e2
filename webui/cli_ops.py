"""Running it for real: `finsam check` says whether this is a production configuration."""

from __future__ import annotations

import os
import sys

import click

from .checks import check_all
from .keys import instance_dir


def register(main: click.Group) -> None:
    """Add the operator's commands to the `finsam` group."""

    @main.command()
    def check() -> None:
        """Check that this is a production configuration: environment, signing key, database,
        mail server, base URL, proxies, audit key, cookies. One line each (problems on stderr);
        exit 1 on any problem. Changes nothing."""
        findings = check_all(os.environ, instance_dir())
        for finding in findings:
            click.echo(finding.line(), err=not finding.ok)
        if any(not finding.ok for finding in findings):
            sys.exit(1)
