"""Login throttling: a few failures per account and address, then a pause."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 300


class LoginThrottle:
    """Counts failed logins per key in this process and blocks the key for a while after too many.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _recent(self, key: str) -> list[float]:
        now = self._clock()
        recent = [t for t in self._failures.get(key, []) if now - t < WINDOW_SECONDS]
        self._failures[key] = recent
        return recent

    def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again (0 when it may now)."""
        with self._lock:
            recent = self._recent(key)
            if len(recent) < MAX_FAILURES:
                return 0
            return max(1, int(WINDOW_SECONDS - (self._clock() - recent[0])))

    def failed(self, key: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            self._recent(key).append(self._clock())

    def reset(self, key: str) -> None:
        """Forget the failures of `key` after a success."""
        with self._lock:
            self._failures.pop(key, None)
