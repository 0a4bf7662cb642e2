"""Running it for real: `finsam check` says whether this is a production configuration;
`finsam backup`, `finsam heads` and `finsam restore` keep and prove backups."""

from __future__ import annotations

import hmac
import json
import os
import sys
from pathlib import Path

import click

from engine import signed_head, utc_now
from webui.checks import check_all
from webui.cli.common import database_url, fail, friendly, system
from webui.keys import instance_dir
from workflows import backups


def register(main: click.Group) -> None:
    """Add the operator's commands to the `finsam` group."""
    register_backups(main)

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


def _key() -> bytes:
    key = os.environ.get("FINSAM_AUDIT_KEY", "")
    if not key:
        fail("FINSAM_AUDIT_KEY is not set: backups and kept heads are signed with it")
    return key.encode("utf-8")


def register_backups(main: click.Group) -> None:
    """Add `finsam backup`, `finsam restore` and `finsam heads`."""

    @main.command("backup")
    @click.option("-o", "--output", required=True,
                  type=click.Path(dir_okay=False, path_type=Path), help="The backup file.")
    @friendly
    def backup_command(output: Path) -> None:
        """Write a backup of FINSAM_DATABASE_URL (pg_dump, or SQLite's online backup) with the
        ledger and instance heads of that moment, signed with FINSAM_AUDIT_KEY."""
        key = _key()
        try:
            manifest = backups.backup(database_url(), output, key, utc_now())
        except backups.BackupError as error:
            fail(str(error))
            return
        for tenant, heads in sorted(manifest["heads"].items()):
            seq, digest = heads["ledger"]
            click.echo(f"{tenant}: ledger {seq}:{digest}, {len(heads['instances'])} instances")
        click.echo(f"{output}: backup of {manifest['backend']} at {manifest['created_at']}, "
                   f"signed")

    @main.command("heads")
    @click.option("-o", "--output", required=True,
                  type=click.Path(dir_okay=False, path_type=Path), help="Where to keep them.")
    @friendly
    def heads_command(output: Path) -> None:
        """Write every ledger and instance head now, signed with FINSAM_AUDIT_KEY, to keep
        outside the database: `finsam restore --kept FILE` names what a restore lacks of them."""
        document = backups.kept_heads(database_url(), _key(), utc_now())
        output.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
        click.echo(f"{output}: heads of {len(document['heads'])} förbund at "
                   f"{document['taken_at']}")

    @main.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--kept", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Heads kept outside since the backup (finsam heads): name the instances "
                       "and events the restored database lacks of them.")
    @click.option("--expect-head", "expected", multiple=True, metavar="TENANT:SEQ:HASH[:HMAC]",
                  help="A ledger head kept outside (finsam audit head); repeatable.")
    @friendly
    def restore_command(path: Path, kept: Path | None, expected: tuple[str, ...]) -> None:
        """Load a backup into the empty database of FINSAM_DATABASE_URL and verify it: the
        signature, the dump, every chain and ledger, the heads of the backup. Exit 0 when it
        verifies; 1 on any problem; 3 when it verifies but lacks what --kept or --expect-head
        heads hold."""
        key = _key()
        ledger_heads = [_ledger_head(text, key) for text in expected]
        kept_document = None
        if kept is not None:
            try:
                kept_document = json.loads(kept.read_text(encoding="utf-8"))
                backups.check_signature(kept_document, key, str(kept))
            except (ValueError, backups.BackupError) as error:
                fail(f"{kept}: {error}")
                return
        try:
            restored = backups.restore(database_url(), path, key)
        except backups.BackupError as error:
            fail(str(error))
            return
        manifest = restored.manifest
        findings: list[str] = []
        with system() as finsam:
            for tenant, heads in sorted(manifest["heads"].items()):
                seq, digest = heads["ledger"]
                results, ledger = finsam.verify(tenant, None, None,
                                                (seq, digest) if seq else None)
                findings += [f"{tenant}: {f}" for r in results for f in r.findings]
                findings += [f"{tenant}: {f}" for f in ledger]
            now = backups.heads_of_database(finsam.db)
            lacks: list[str] = []
            for tenant, seq, digest in ledger_heads:
                have = now.get(tenant, {"ledger": [0, ""]})["ledger"][0]
                if have < seq:
                    lacks.append(f"{tenant}: ledger entries {have + 1}-{seq} are missing")
                else:
                    _, ledger = finsam.verify(tenant, [], None, (seq, digest))
                    findings += [f"{tenant}: {f}" for f in ledger]
        if now != manifest["heads"]:
            findings.append("the restored heads differ from the heads the backup recorded")
        for finding in findings:
            click.echo(f"FINDING {finding}")
        if findings:
            fail(f"{len(findings)} finding(s): the restored database does not verify")
        click.echo(f"{path}: restored ({manifest['backend']}, {manifest['created_at']}); every "
                   "chain and ledger verifies and matches the backup's heads")
        if kept_document is not None:
            lacks += backups.missing(kept_document["heads"], now)
        for line in lacks:
            click.echo(f"MISSING {line}")
        if lacks:
            click.echo(f"the restored database lacks {len(lacks)} item(s) of the heads kept "
                       "outside")
            sys.exit(3)
        if kept_document is not None or ledger_heads:
            click.echo("nothing is missing of the heads kept outside")


def _ledger_head(text: str, key: bytes) -> tuple[str, int, str]:
    """(tenant, seq, hash) of a head from `finsam audit head`; its HMAC checked when it has one.
    Exits with a one-line message when it is malformed or its signature does not match."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or not (parts[1].isascii() and parts[1].isdigit()):
        fail(f"--expect-head {text!r}: expected TENANT:SEQ:HASH[:HMAC] (finsam audit head)")
    tenant, seq, digest = parts[0], int(parts[1]), parts[2]
    if len(parts) == 4 and not hmac.compare_digest(signed_head(seq, digest, tenant, key), text):
        fail(f"--expect-head {text!r}: the signature does not match FINSAM_AUDIT_KEY")
    return tenant, seq, digest
