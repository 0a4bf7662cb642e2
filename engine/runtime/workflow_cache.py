"""Restored workflows kept in memory between the steps of an instance.

Restoring a workflow from its stored state is a good part of every completion's work. When the
same process completed the previous step of an instance, it still has the workflow object that it
serialized then: this cache keeps it, keyed by the instance and the head hash of its event chain
after that step. Every change to an instance appends an event and so changes its head hash, so
an entry is used only when nothing — no other process, no timer, no migration, no claim — has
touched the instance since; anything else is a miss and the state is restored from the database
as always. (Temporal's "sticky" workflow cache works the same way.)

An entry is taken out while a step runs on it and put back only after that step's transaction has
committed: a step that fails leaves nothing behind that could differ from the stored state.
Bounded (least recently used first out); size 0 turns it off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from engine.store.unit_of_work import UnitOfWork

DEFAULT_SIZE = 256


class WorkflowCache:
    """Instance id → (head hash, workflow), least recently used first out."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, instance_id: int, head_hash: str) -> Any | None:
        """The workflow of `instance_id` as of `head_hash`, removed from the cache; or None."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None and entry[0] == head_hash:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def keep(self, instance_id: int, head_hash: str, workflow: Any) -> None:
        """Remember `workflow` as the state of `instance_id` at `head_hash` (call after commit)."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[instance_id] = (head_hash, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def keep_after_commit(self, work: UnitOfWork, instance: Any, workflow: Any) -> None:
        """Keep `workflow` as the state `instance` will have once this write has committed
        (its chain head is read then: every event of the transaction is in it)."""
        work.after_commit.append(lambda: self.keep(instance.id, instance.head_hash, workflow))

    def rekey_after_commit(self, work: UnitOfWork, instance: Any, old_head: str) -> None:
        """An event that did not change the workflow (a claim) moves the chain head on from
        `old_head`: once this write has committed, a workflow kept at `old_head` is kept at the
        new head."""
        work.after_commit.append(lambda: self._rekey(instance.id, old_head, instance.head_hash))

    def _rekey(self, instance_id: int, old_head: str, new_head: str) -> None:
        with self._lock:
            entry = self._entries.get(instance_id)
            if entry is not None and entry[0] == old_head:
                self._entries[instance_id] = (new_head, entry[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
