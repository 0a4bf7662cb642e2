"""An instance's history as a file (JSON or CSV) that anyone can verify offline.

The file carries every event with its hash and the chain head (an event whose free text retention
purged also carries `purged_hash`, the hash its purged content chains to, as the database's
verification uses it); `verify_export` recomputes the
chain from the events alone, with no database, and checks that it ends at the head the file (or
the auditor, from elsewhere) names. The CSV's cells are neutralised against formulas
(`csvsafe`); `parse` restores them exactly, so the hashes are recomputed over the recorded values.

A chain that verifies is only internally consistent: whoever can write the file (or the database
it came from) can change an event and re-hash everything after it. It is anchored when it ends at
a head kept elsewhere, or when its head carries an HMAC made with a key the forger does not hold
(`sign`); `check_export` says which, if either.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from engine.base import csvsafe
from engine.base.canonical import GENESIS_HASH
from engine.base.types import EventView, InstanceView
from engine.store.chain import chain_hash

FORMAT = "bpmn-instance-history/1"
KEPT_HEAD = re.compile(r"(?:([0-9]{1,18}):)?([0-9a-f]{64})")
CSV_FIELDS = ("seq", "at", "actor", "acting_as", "kind", "task", "task_guid", "data",
              "prev_hash", "hash", "purged_hash")


def export_document(instance: InstanceView, events: list[EventView]) -> dict[str, Any]:
    """The history of one instance with its chain head."""
    head = {"seq": events[-1].seq, "hash": events[-1].hash} if events else {
        "seq": 0, "hash": GENESIS_HASH}
    return {
        "format": FORMAT,
        "instance": {"id": instance.id, "tenant": instance.tenant,
                     "process_id": instance.process_id, "version": instance.version,
                     "status": instance.status, "outcome": instance.outcome},
        "head": head,
        "events": [
            {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "acting_as": e.acting_as,
             "kind": e.kind, "task": e.task, "task_guid": e.task_guid, "data": e.data,
             "prev_hash": e.prev_hash, "hash": e.hash,
             **({"purged_hash": e.purged_hash} if e.purged_hash else {})}
            for e in events
        ],
    }


def to_json(document: dict[str, Any]) -> str:
    """The export as JSON text."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)


def to_csv(document: dict[str, Any]) -> str:
    """The export as CSV: one row per event (data as canonical JSON), then the head as a comment."""
    out = io.StringIO()
    instance = document["instance"]
    out.write(f"# {FORMAT} instance={instance['id']} tenant={instance['tenant']} "
              f"process={instance['process_id']}\n")
    writer = csvsafe.Writer(out)
    writer.writerow(CSV_FIELDS)
    for event in document["events"]:
        row = dict(event)
        row["data"] = json.dumps(event["data"], sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False)
        row["task"] = event["task"] or ""
        row["task_guid"] = event["task_guid"] or ""
        row["purged_hash"] = event.get("purged_hash") or ""
        writer.writerow(row[field] for field in CSV_FIELDS)
    head = document["head"]
    signature = f" hmac={head['hmac']}" if head.get("hmac") else ""
    out.write(f"# head seq={head['seq']} hash={head['hash']}{signature}\n")
    return out.getvalue()


def parse(text: str) -> dict[str, Any]:
    """Read an export written by `to_json` or `to_csv`."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        document: dict[str, Any] = json.loads(stripped)
        return document
    # The first and the last line are comments; the table between is read as CSV, never split
    # into lines first: a value may hold line breaks of any kind (U+2028 too).
    first, _, rest = stripped.partition("\n")
    if not first.startswith(f"# {FORMAT} "):
        raise ValueError("not an instance history export")
    meta = dict(part.split("=", 1) for part in first[2:].split()[1:])
    table, found, head_line = rest.rstrip("\r\n").rpartition("\n# head ")
    if not found:
        raise ValueError("the export has no head line")
    head = dict(part.split("=", 1) for part in head_line.split())
    header, *records = list(csvsafe.rows(table))
    rows = [dict(zip(header, record, strict=True)) for record in records]
    events = [
        {**{k: v for k, v in row.items() if k != "purged_hash"}, "seq": int(row["seq"]),
         "data": json.loads(row["data"]), "task": row["task"] or None,
         "task_guid": row["task_guid"] or None,
         **({"purged_hash": row["purged_hash"]} if row.get("purged_hash") else {})}
        for row in rows
    ]
    return {"format": FORMAT,
            "instance": {"id": int(meta["instance"]), "tenant": meta["tenant"],
                         "process_id": meta["process"]},
            "head": {"seq": int(head["seq"]), "hash": head["hash"],
                     **({"hmac": head["hmac"]} if "hmac" in head else {})},
            "events": events}


@dataclass(frozen=True)
class ExportCheck:
    """What verifying an export found: every problem, and what anchors its head outside the
    file: `head` (the head the auditor kept), `signature` (an HMAC made with the key) or None
    (nothing: a history changed and re-hashed throughout would verify the same)."""

    problems: list[str]
    anchored_by: str | None


def head_signature(document: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the export's format, tenant, instance id and head, hex."""
    instance, head = document["instance"], document["head"]
    text = f"{FORMAT}:{instance['tenant']}:{instance['id']}:{head['seq']}:{head['hash']}"
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(document: dict[str, Any], key: bytes) -> dict[str, Any]:
    """`document` with its head signed with `key` (written by `to_json` and `to_csv`)."""
    return {**document, "head": {**document["head"], "hmac": head_signature(document, key)}}


def kept_head(text: str) -> tuple[int | None, str]:
    """A head kept elsewhere, `HASH` or `SEQ:HASH` (as the export command prints it).

    Raises ValueError for anything else."""
    match = KEPT_HEAD.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError("a kept head is HASH or SEQ:HASH (64 hexadecimal digits)")
    return (int(match[1]) if match[1] else None), match[2]


def check_export(document: dict[str, Any], expected_head: str | None = None,
                 key: bytes | None = None) -> ExportCheck:
    """Verify an export's chain, then anchor it: at `expected_head` (`kept_head`'s forms) when
    given, else by its signature when it has one and `key` is given. A head that differs from
    the expected one, or a signature that does not match the key, is a problem."""
    problems = verify_export(document)
    anchored_by: str | None = None
    head = document["head"]
    if expected_head is not None:
        seq, digest = kept_head(expected_head)
        if head["hash"] != digest or seq not in (None, head["seq"]):
            problems.append(f"the chain ends at {head['seq']}:{head['hash'][:12]}…, not at the "
                            f"expected {'' if seq is None else f'{seq}:'}{digest[:12]}…")
        anchored_by = "head"
    if key is not None and head.get("hmac"):
        if not hmac.compare_digest(str(head["hmac"]), head_signature(document, key)):
            problems.append("the head's signature does not match the key: the head was changed, "
                            "or it was signed with another key")
        anchored_by = anchored_by or "signature"
    return ExportCheck(problems, None if problems else anchored_by)


def verify_export(document: dict[str, Any], expected_hash: str | None = None) -> list[str]:
    """Every problem with an export's chain; empty when it verifies."""
    problems: list[str] = []
    instance_id = document["instance"]["id"]
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(document["events"], start=1):
        if event["seq"] != expected_seq:
            problems.append(f"event {expected_seq} is missing")
            break
        body = {"instance_id": instance_id, "seq": event["seq"], "at": event["at"],
                "actor": event["actor"], "acting_as": event["acting_as"], "kind": event["kind"],
                "task": event["task"], "task_guid": event["task_guid"], "data": event["data"]}
        if event["prev_hash"] != previous:
            problems.append(f"event {event['seq']}: prev_hash does not link to the event before")
        # A purged event (retention) is checked against the hash its purged content chains to.
        if chain_hash(event["prev_hash"], body) != event.get("purged_hash", event["hash"]):
            problems.append(f"event {event['seq']} ({event['kind']}): content does not match "
                            "its hash")
        previous = event["hash"]
    head = document["head"]
    last_seq = document["events"][-1]["seq"] if document["events"] else 0
    if head["seq"] != last_seq or head["hash"] != previous:
        problems.append(f"the chain ends at event {last_seq} ({previous[:12]}…), not at the "
                        f"head {head['seq']} ({head['hash'][:12]}…)")
    if expected_hash is not None and previous != expected_hash:
        problems.append(f"the chain ends at {previous[:12]}…, not at the expected "
                        f"{expected_hash[:12]}…")
    return problems
