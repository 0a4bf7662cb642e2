"""Login throttling: a few failures per account and address, then a pause.

With a database the count lives in it (`workflows.throttle`), so the limit holds across the
worker processes of a multi-process server; without one (tests of the class itself) it is kept
in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from engine import Database
from workflows import throttle

MAX_FAILURES = 5
WINDOW_SECONDS = 300


class LoginThrottle:
    """Counts failed logins per key and blocks the key for a while after too many."""

    def __init__(self, db: Database | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _at(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def _recent(self, key: str) -> list[float]:
        now = self._clock()
        if self._db is not None:
            since = self._at(now - WINDOW_SECONDS)
            return [t.timestamp() for t in throttle.failures_since(self._db, key, since)]
        recent = [t for t in self._failures.get(key, []) if now - t < WINDOW_SECONDS]
        self._failures[key] = recent
        return recent

    def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again (0 when it may now)."""
        with self._lock:
            recent = self._recent(key)
            if len(recent) < MAX_FAILURES:
                return 0
            return max(1, int(WINDOW_SECONDS - (self._clock() - recent[-MAX_FAILURES])))

    def failed(self, key: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            now = self._clock()
            if self._db is not None:
                throttle.record_failure(self._db, key, self._at(now),
                                        self._at(now - WINDOW_SECONDS))
                return
            self._recent(key).append(now)

    def reset(self, key: str) -> None:
        """Forget the failures of `key` after a success."""
        with self._lock:
            if self._db is not None:
                throttle.clear_failures(self._db, key)
                return
            self._failures.pop(key, None)
