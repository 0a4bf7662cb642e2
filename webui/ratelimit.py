"""Login throttling: a few attempts per account and address in a window, then a pause.

The count lives in the database (`workflows.throttle`) and an attempt is counted before its
password is checked, in one atomic step: concurrent guesses in several threads or worker
processes cannot slip past the limit together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from engine import Database
from workflows import throttle

MAX_FAILURES = 5
WINDOW_SECONDS = 300


class LoginThrottle:
    """Admits at most MAX_FAILURES attempts per key in WINDOW_SECONDS, until one succeeds."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def attempt(self, key: str) -> int:
        """Count an attempt of `key` before its password is checked: 0 when it may go on, else
        the seconds to wait (and the attempt is not counted)."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        wait = throttle.admit(self._db, key, now, timedelta(seconds=WINDOW_SECONDS),
                              MAX_FAILURES)
        return math.ceil(wait)

    def succeeded(self, key: str) -> None:
        """Forget the attempts of `key` after it logged in."""
        throttle.forget(self._db, key)
