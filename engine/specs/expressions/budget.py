"""The budget of one evaluation: how much an expression may do, and how large what it builds.

Every cap is checked before the value is built (`'a' * n * m` computes the length of the result
first), so no evaluation allocates more than the caps allow. The limits:

- `MAX_OPERATIONS` (100,000): every node evaluated, every comprehension round, and one for each
  20 items or characters a built-in operation touches (comparing, hashing, sorting, copying);
- `MAX_ITERATIONS` (10,000): rounds of all comprehensions together, however they nest;
- `MAX_TEXT` (100,000): characters of one text built;
- `MAX_ITEMS` (10,000): items of one list, tuple, set or dict built;
- `MAX_SIZE` (1,000,000): items and characters of one value, counted through its nesting;
- `MAX_INT_BITS` (256): bits of a whole number built;
- `MAX_ROUND_DIGITS` (100): the digits `round()` may be asked for;
- `deadline.WRITE_OPERATIONS` (500,000): operations of all evaluations of one write transaction
  or one check of a spec together;
- `deadline.EVALUATION_SECONDS` (0.5 s): the wall clock, read every 64 operations, the last
  resort (with `deadline.WRITE_SECONDS` for all designer content of one write transaction).
"""

from __future__ import annotations

from typing import Any

from engine.base.deadline import Deadline
from engine.base.errors import ExpressionLimit

MAX_OPERATIONS = 100_000
MAX_ITERATIONS = 10_000
MAX_TEXT = 100_000
MAX_ITEMS = 10_000
MAX_SIZE = 1_000_000
MAX_INT_BITS = 256
MAX_ROUND_DIGITS = 100
UNITS_PER_OPERATION = 20
CLOCK_EVERY = 64

CONTAINERS = (list, tuple, set, frozenset, dict)


class Budget:
    """What one evaluation has spent; every method raises ExpressionLimit when a cap is passed."""

    __slots__ = ("_clock_in", "_sizes", "deadline", "iterations", "operations", "shared",
                 "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.operations = 0
        self.iterations = 0
        self.deadline = Deadline()
        # What is left of the write's operations, if this evaluation runs inside one.
        self.shared = self.deadline.operations_left
        self._clock_in = CLOCK_EVERY
        # Sizes of the containers seen, by id; the value is kept so that the id stays its own.
        self._sizes: dict[int, tuple[Any, int]] = {}

    def limit(self, message: str) -> ExpressionLimit:
        """The error for a passed cap."""
        return ExpressionLimit(message, self.source)

    def step(self, count: int = 1) -> None:
        """Spend `count` operations; look at the clock every CLOCK_EVERY of them."""
        self.operations += count
        if self.operations > MAX_OPERATIONS:
            raise self.limit(f"the expression needs more than {MAX_OPERATIONS:,} steps")
        if self.shared is not None and self.operations > self.shared:
            raise self.limit(f"the expression was stopped: {self.deadline.operations_reason()}")
        self._clock_in -= count
        if self._clock_in <= 0:
            self._clock_in = CLOCK_EVERY
            if self.deadline.passed():
                raise self.limit(f"the expression was stopped: {self.deadline.reason()}")

    def touch(self, units: int) -> None:
        """Spend what a built-in operation over `units` items and characters costs."""
        self.step(1 + units // UNITS_PER_OPERATION)

    def iterate(self) -> None:
        """Spend one comprehension round."""
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise self.limit(
                f"the comprehensions run more than {MAX_ITERATIONS:,} rounds in total")
        self.step()

    def text(self, length: int) -> None:
        """A text of `length` characters is about to be built."""
        if length > MAX_TEXT:
            raise self.limit(f"the expression builds a text longer than {MAX_TEXT:,} characters")

    def items(self, count: int) -> None:
        """A collection of `count` items is about to be built."""
        if count > MAX_ITEMS:
            raise self.limit(f"the expression builds a collection of more than {MAX_ITEMS:,} "
                             "items")

    def total(self, size: int) -> None:
        """A value of `size` items and characters (through its nesting) is about to be built."""
        if size > MAX_SIZE:
            raise self.limit(f"the expression builds a value of more than {MAX_SIZE:,} items and "
                             "characters")

    def integer(self, bits: int) -> None:
        """A whole number of `bits` bits is about to be built."""
        if bits > MAX_INT_BITS:
            raise self.limit(f"the expression builds a number larger than 2^{MAX_INT_BITS}")

    def built(self, value: Any) -> Any:
        """Check a value a built-in function returned (its input was already within the caps,
        so the work was bounded); return it."""
        if isinstance(value, int):
            self.integer(value.bit_length())
        elif isinstance(value, str):
            self.text(len(value))
        elif isinstance(value, CONTAINERS):
            self.items(len(value))
            self.total(self.size(value))
        return value

    def size(self, value: Any) -> int:
        """Items and characters of `value`, counted through its nesting (shared parts count each
        time they occur, as a traversal meets them). The walk itself is paid for."""
        if isinstance(value, str):
            return 1 + len(value)
        if isinstance(value, int):
            return 1 + value.bit_length() // 64
        if not isinstance(value, CONTAINERS):
            return 1
        known = self._sizes.get(id(value))
        if known is not None:
            return known[1]
        self.touch(len(value))
        total = 1
        parts: Any = value.items() if isinstance(value, dict) else value
        for part in parts:
            if isinstance(value, dict):
                total += self.size(part[0]) + self.size(part[1])
            else:
                total += self.size(part)
            if total > MAX_SIZE:
                raise self.limit(f"a value is larger than {MAX_SIZE:,} items and characters")
        self._sizes[id(value)] = (value, total)
        return total

    def finish(self) -> None:
        """Book the time and operations spent on the write's account."""
        self.deadline.finish(self.operations)
