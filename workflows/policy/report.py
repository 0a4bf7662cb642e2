"""What of the follow-up report a capacity reads: its sections (the styrelse never ESF+), the
förbund it covers (the national role every förbund it is given) and whether it lists cases."""

from __future__ import annotations

from .. import catalogue as c
from ..parties import Capacity
from .abilities import CASES, NATIONAL, REPORT, REPORT_CASES, REPORT_ESF, may

# -- the follow-up report ----------------------------------------------------------------------

def report_sections(capacity: Capacity) -> frozenset[str]:
    """The parts of the follow-up report the capacity reads (the styrelse never ESF+)."""
    if not may(capacity, REPORT):
        return frozenset()
    if may(capacity, REPORT_ESF):
        return frozenset({c.FINSAM_PROCESS, c.ESF_PROCESS})
    return frozenset({c.FINSAM_PROCESS})


def report_forbunds(capacity: Capacity, held: list[Capacity]) -> tuple[str, ...]:
    """The förbund whose follow-up the capacity reads, given every capacity its person `held`:
    its own förbund; for the national role (`NATIONAL`) every förbund where the person holds
    that same role, in slug order."""
    if not may(capacity, NATIONAL):
        return (capacity.forbund,)
    same = {c.forbund for c in held if c.username == capacity.username
            and c.role == capacity.role}
    return tuple(sorted(same | {capacity.forbund}))


def report_lists_cases(capacity: Capacity) -> bool:
    """Whether the report may list single cases at all (rows, then filtered by
    `sees_instance`); a role without cases (the national follow-up) reads figures only."""
    return may(capacity, CASES)


def opens_report_instances(capacity: Capacity) -> bool:
    """Whether the report may link each case it lists (a representative sees only those its
    organisation takes part in, so its report does not link them)."""
    return may(capacity, REPORT_CASES)
