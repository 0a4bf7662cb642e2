"""Canonical JSON, the genesis hash shared by every hash chain, and the hashes of a step that a
run and its replay compare."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same bytes for the same content, everywhere."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def state_hash(state: str) -> str:
    """sha256 of the serialized state exactly as stored."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def data_hash(data: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an instance's data."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def open_set(pairs: list[tuple[str, str | None]]) -> list[list[str | None]]:
    """Open tasks as sorted [bpmn_id, item] pairs: comparable between a run and its replay."""
    return [list(p) for p in sorted(pairs, key=lambda p: (p[0], p[1] or ""))]
