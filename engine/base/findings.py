"""A `Finding`: one thing in a history that does not match what is stored (`audit`, `replay`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One thing that does not match."""

    instance_id: int | None
    what: str
    seq: int | None = None
    step: str | None = None

    def __str__(self) -> str:
        where = []
        if self.instance_id is not None:
            where.append(f"instance {self.instance_id}")
        if self.seq is not None:
            where.append(f"event {self.seq}")
        if self.step:
            where.append(f"step {self.step}")
        return (", ".join(where) + ": " if where else "") + self.what
