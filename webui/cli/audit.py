"""`finsam replay` and `finsam audit`: verify, export and check histories."""

from __future__ import annotations

import gc
import os
import sys
from collections import defaultdict
from pathlib import Path

import click

from engine import (
    Verification,
    check_export,
    export_document,
    kept_head,
    parse_export,
    sign_export,
    signed_head,
    to_csv,
    to_json,
)
from webui.cli.common import fail, friendly, system
from workflows import admin_history

UNANCHORED = 3  # `audit verify`: the chain is consistent, but nothing outside the file anchors it


def _audit_key() -> bytes | None:
    return os.environ.get("FINSAM_AUDIT_KEY", "").encode("utf-8") or None


def _expected(text: str | None, tenant: str) -> tuple[int, str] | None:
    if not text:
        return None
    parts = text.split(":")
    if len(parts) < 3 or parts[0] != tenant \
            or not (parts[1].isascii() and parts[1].isdigit()):
        return None
    return int(parts[1]), parts[2]


def _summary(results: list[Verification]) -> None:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for result in results:
        row = rows[result.process_id]
        row[0] += 1
        row[1] += 1 if result.ok else 0
        row[2] += 0 if result.ok else 1
        row[3] += result.events
        row[4] += result.steps_replayed
    header = (
        f"{'process':<24}{'instances':>10}{'verified':>10}{'findings':>10}"
        f"{'events':>9}{'steps':>8}"
    )
    click.echo(header)
    click.echo("-" * len(header))
    for process, (count, ok, bad, events, steps) in sorted(rows.items()):
        click.echo(f"{process:<24}{count:>10}{ok:>10}{bad:>10}{events:>9}{steps:>8}")


def _write_metrics(path: Path, per_tenant: dict[str, tuple[int, int]]) -> None:
    """`finsam_replay_instances{forbund}` and `finsam_replay_findings{forbund}` (instances
    verified, findings) of this run and its time, in Prometheus' text format, written atomically
    (`/metrics` does not replay: it would cost too much)."""
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    registry = CollectorRegistry()
    checked = Gauge("finsam_replay_instances", "Instances the last finsam replay verified.",
                    ["forbund"], registry=registry)
    found = Gauge("finsam_replay_findings", "Findings of the last finsam replay, per förbund.",
                  ["forbund"], registry=registry)
    for tenant, (instances, findings) in sorted(per_tenant.items()):
        checked.labels(tenant).set(instances)
        found.labels(tenant).set(findings)
    Gauge("finsam_replay_last_run_seconds", "When finsam replay last ran (Unix time).",
          registry=registry).set_to_current_time()
    write_to_textfile(str(path), registry)


def register(main: click.Group) -> None:
    """Add the audit commands to the `finsam` group."""

    @main.command()
    @click.argument("ids", nargs=-1, type=int)
    @click.option("--all", "everything", is_flag=True, help="Every instance.")
    @click.option("--forbund", "forbund", default=None, help="Only this förbund (default: all).")
    @click.option("--expect-head", default=None,
                  help="A ledger head kept outside (from 'finsam audit head'): TENANT:SEQ:HASH.")
    @click.option("--metrics-file", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the findings per förbund in Prometheus' text format (for "
                       "node_exporter's textfile collector).")
    @friendly
    def replay(ids: tuple[int, ...], everything: bool, forbund: str | None,
               expect_head: str | None, metrics_file: Path | None) -> None:
        """Re-execute instances from their history and verify them (exit 1 on any finding)."""
        if not ids and not everything:
            fail("name instance ids, or --all")
        with system() as finsam:
            # What lives now (the app, its parsed specs) lives to the end: frozen, a full
            # collection during the replay of every instance does not walk it again.
            gc.collect()
            gc.freeze()
            tenants = [forbund] if forbund else finsam.forbunds()
            results: list[Verification] = []
            other = []
            per_tenant: dict[str, tuple[int, int]] = {}
            for tenant in tenants:
                count = len(finsam.engine.list_instances(tenant, ids=ids or None, limit=10**9))
                with click.progressbar(length=count, label=f"Verifying {tenant}",
                                       file=sys.stderr, show_pos=True) as bar:
                    found, ledger = finsam.verify(
                        tenant, ids or None, bar.update, _expected(expect_head, tenant))
                results.extend(found)
                other.extend(ledger)
                per_tenant[tenant] = (len(found), sum(len(r.findings) for r in found)
                                      + len(ledger))
        if ids and len(results) < len(set(ids)):
            missing = sorted(set(ids) - {r.instance_id for r in results})
            fail(f"no instance {', '.join(map(str, missing))}")
        _summary(results)
        findings = [f for r in results for f in r.findings] + other
        if metrics_file is not None:
            _write_metrics(metrics_file, per_tenant)
        for finding in findings:
            click.echo(f"FINDING {finding}")
        if findings:
            fail(f"{len(findings)} finding(s); the history does not verify")
        click.echo(f"All {len(results)} instance(s) verify: chains, ledger and replay agree.")

    @main.group()
    def audit() -> None:
        """Export and check histories."""

    @audit.command("head")
    @click.option("--forbund", "forbund", default=None)
    @friendly
    def head(forbund: str | None) -> None:
        """Print each förbund's ledger head, to keep outside the database.

        Signed with FINSAM_AUDIT_KEY (HMAC-SHA256) when it is set.
        """
        key = _audit_key()
        with system() as finsam:
            for tenant in [forbund] if forbund else finsam.forbunds():
                seq, digest = finsam.engine.ledger_head(tenant)
                click.echo(signed_head(seq, digest, tenant, key))

    @audit.command("admin")
    @click.option("--forbund", "forbund", default=None)
    @friendly
    def admin(forbund: str | None) -> None:
        """Verify each förbund's history of administrative actions and print its head to keep
        (signed with FINSAM_AUDIT_KEY when set); exit 1 on any problem."""
        key = _audit_key()
        failed = False
        with system() as finsam:
            for tenant in [forbund] if forbund else finsam.forbunds():
                check = admin_history.verify(finsam.db, tenant)
                seq, digest = check.head.split(":", 1)
                state = "verifies" if check.ok else f"{len(check.problems)} problem(s)"
                click.echo(f"{tenant}: {check.count} administrative events {state}; head "
                           f"{signed_head(int(seq), digest, tenant + '/admin', key)}")
                for problem in check.problems:
                    click.echo(f"{tenant}: {problem}", err=True)
                failed = failed or not check.ok
        if failed:
            sys.exit(1)

    @audit.command("export")
    @click.argument("instance_id", type=int)
    @click.option("--forbund", "forbund", required=True)
    @click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
                  show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
    @friendly
    def export(instance_id: int, forbund: str, fmt: str, output: Path | None) -> None:
        """Write an instance's history with its chain head (stdout without -o).

        The head is signed with FINSAM_AUDIT_KEY (HMAC-SHA256) when it is set.
        """
        key = _audit_key()
        with system() as finsam:
            document = export_document(finsam.engine.get_instance(forbund, instance_id),
                                       finsam.engine.events(forbund, instance_id))
        if key is not None:
            document = sign_export(document, key)
        text = to_json(document) if fmt == "json" else to_csv(document)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"{output}: {len(document['events'])} events, head "
                       f"{document['head']['seq']}:{document['head']['hash']}")

    @audit.command("verify")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--head", "expected", default=None,
                  help="The head you kept when it was exported: HASH or SEQ:HASH.")
    def verify(file: Path, expected: str | None) -> None:
        """Verify an exported history offline, with no database.

        Exit 0: the chain verifies and is anchored (it ends at the --head you kept, or its head
        is signed with FINSAM_AUDIT_KEY); 1: a problem; 3: the chain is consistent but nothing
        anchors it, so a history changed and re-hashed throughout would look the same.
        """
        if expected is not None:
            try:
                kept_head(expected)
            except ValueError as error:
                fail(f"--head: {error}")
        try:
            document = parse_export(file.read_text(encoding="utf-8"))
            check = check_export(document, expected, _audit_key())
        except (ValueError, KeyError, TypeError) as error:
            fail(f"{file}: not a readable history export ({error})")
            return
        for problem in check.problems:
            click.echo(f"{file}: {problem}", err=True)
        if check.problems:
            fail(f"{file}: {len(check.problems)} problem(s); the history does not verify")
        head = document["head"]
        events = f"{file}: {len(document['events'])} events verify"
        if check.anchored_by == "head":
            click.echo(f"{events} and end at the head you kept, {head['seq']}:{head['hash']}")
        elif check.anchored_by == "signature":
            click.echo(f"{events}; the head {head['seq']}:{head['hash']} is signed with "
                       "FINSAM_AUDIT_KEY")
        else:
            signed = ("the export is signed: set FINSAM_AUDIT_KEY to check its signature"
                      if head.get("hmac") else "the export is not signed")
            click.echo(f"{file}: {len(document['events'])} events are consistent, but the chain "
                       f"is not anchored: a history changed and re-hashed throughout would look "
                       f"the same. Pass the head you kept with --head HASH ({signed}). Head "
                       f"{head['seq']}:{head['hash']}.")
            sys.exit(UNANCHORED)
