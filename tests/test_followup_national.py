"""The national follow-up report (issue 21) reads no case list, and each of its figures is the
one a förbund's own report gives for the same data: per förbund, in total, per programme
period, per year and by part, on SQLite and PostgreSQL (the hand-counted world of
test_followup, two förbund)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from workflows import Finsam
from workflows.followup import CASE_LISTS, Period, build_report

from .test_followup import world  # noqa: F401  (the module fixture: both förbund, every outcome)

TENANTS = ("nnv-skane", "sodra")
SECTIONS = ("esf_plus", "finansiell_samordning")


def figures(part: dict[str, Any]) -> dict[str, Any]:
    """A report part without its lists of single cases."""
    return {key: value for key, value in part.items() if key not in CASE_LISTS}


@pytest.mark.parametrize(("start", "end"), [(None, None), ("2025-03-01", "2025-12-31")])
def test_the_national_report_and_each_forbunds_agree_on_every_figure(
        world: tuple[Finsam, dict[str, int]], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        start: str | None, end: str | None) -> None:
    finsam, _ = world
    # A programme period of 2025 only, so that the ideas fall in two periods.
    monkeypatch.setenv("FINSAM_ESF_PROGRAMPERIOD", "2025-01-01..2025-12-31")
    period = Period.parse(start, end)
    national = build_report(finsam.db, TENANTS, period, list_cases=False)
    listed = build_report(finsam.db, TENANTS, period)
    for section in SECTIONS:
        assert [national[section][name] for name in CASE_LISTS if name in national[section]] \
            == [[] for name in CASE_LISTS if name in listed[section]]
        assert figures(national[section]) == figures(listed[section])
    assert national["per_forbund"] == listed["per_forbund"]
    for tenant in TENANTS:
        own = build_report(finsam.db, (tenant,), period)  # the kansli's: its cases listed
        assert own["finansiell_samordning"]["insatslista"]
        for section in SECTIONS:
            mine = national["per_forbund"][tenant][section]
            assert mine == own["per_forbund"][tenant][section]
            assert mine == {key: own[section][key] for key in mine}
            assert figures(build_report(finsam.db, (tenant,), period, list_cases=False)[
                section]) == figures(own[section])
    # The national total is the sum of the förbund's.
    for name in ("identifierade", "beviljat_belopp"):
        assert national["esf_plus"][name] == sum(
            national["per_forbund"][t]["esf_plus"][name] for t in TENANTS)
    assert national["esf_plus"]["identifierade"] > 0
    assert len(national["esf_plus"]["per_programperiod"]) == (2 if start is None else 1)


def test_the_national_report_reads_no_case(world: tuple[Finsam, dict[str, int]]) -> None:  # noqa: F811
    """Without case lists no case is read: not the rows of the lists, nor their list values
    or open steps per instance (each read is found among the statements of a listing
    report, so the patterns are the real ones)."""
    finsam, _ = world
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    reads = ("ORDER BY anon_1.created_at, anon_1.id",  # a list's rows
             "instance_attribute.position",  # list values per instance, in order
             "SELECT human_task.instance_id, human_task.name FROM")  # open steps per instance
    event.listen(finsam.db.sa_engine, "before_cursor_execute", seen)
    try:
        build_report(finsam.db, TENANTS, Period())
        listing = list(statements)
        statements.clear()
        build_report(finsam.db, TENANTS, Period(), list_cases=False)
    finally:
        event.remove(finsam.db.sa_engine, "before_cursor_execute", seen)
    for read in reads:
        assert [s for s in listing if read in s], read
        assert not [s for s in statements if read in s], read
