"""An instance's history as a file (JSON or CSV) that anyone can verify offline.

The file carries every event with its hash and the chain head; `verify_export` recomputes the
chain from the events alone, with no database, and checks that it ends at the head the file (or
the auditor, from elsewhere) names. The CSV's cells are neutralised against formulas
(`csvsafe`); `parse` restores them exactly, so the hashes are recomputed over the recorded values.
"""

from __future__ import annotations

import io
import json
from typing import Any

from . import csvsafe
from .canonical import GENESIS_HASH
from .chain import chain_hash
from .types import EventView, InstanceView

FORMAT = "bpmn-instance-history/1"
CSV_FIELDS = ("seq", "at", "actor", "acting_as", "kind", "task", "task_guid", "data",
              "prev_hash", "hash")


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
             "prev_hash": e.prev_hash, "hash": e.hash}
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
        writer.writerow(row[field] for field in CSV_FIELDS)
    out.write(f"# head seq={document['head']['seq']} hash={document['head']['hash']}\n")
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
        {**row, "seq": int(row["seq"]), "data": json.loads(row["data"]),
         "task": row["task"] or None, "task_guid": row["task_guid"] or None}
        for row in rows
    ]
    return {"format": FORMAT,
            "instance": {"id": int(meta["instance"]), "tenant": meta["tenant"],
                         "process_id": meta["process"]},
            "head": {"seq": int(head["seq"]), "hash": head["hash"]},
            "events": events}


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
        if chain_hash(event["prev_hash"], body) != event["hash"]:
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
