"""The overview's page and count at scale (issue 19): `group_page` streams a filter's source and
walks the groups in index order; here it is held equal to the plain reading of the same filters
(every group the filters hold for, grouped, sorted and sliced) for every role, filter, sort and
page, with a count cap small enough that both ways (the source ends first; more than the cap)
are taken."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update

from engine import HumanTask, Instance
from workflows import Finsam, policy
from workflows.overview_filters import narrowings, row_conditions
from workflows.overview_query import group_page, streamed_source
from workflows.presentation import OverviewFilters, case_overview
from workflows.users import capacities

from .test_processes import ESF_PARTIES, FINSAM_PARTIES
from .walk import Desk


def reference(finsam: Finsam, capacity, filters, now, page_size, cap):  # type: ignore[no-untyped-def]
    """Every group the filters hold for, sorted and sliced in Python."""
    key = func.coalesce(Instance.parent_id, Instance.id)
    rows = row_conditions(capacity, filters)
    with finsam.db.read() as session:
        groups = set(session.scalars(select(key).where(*rows)))
        for narrowing in narrowings(finsam.db, capacity, filters, now):
            groups &= set(session.scalars(select(key).where(*rows, narrowing.condition)))
        titles = {i: t for i, t in session.execute(select(
            Instance.id, func.lower(Instance.title)).where(Instance.id.in_(groups)))}
        members = {k: list(session.scalars(select(Instance.id).where(*rows, key == k)
                                           .order_by(Instance.id))) for k in groups}
    order = {"new": lambda k: -k, "old": lambda k: k, "title": lambda k: (titles[k], -k)}
    ordered = sorted(groups, key=order.get(filters.sort, order["new"]))
    pages = max(1, -(-min(len(groups), cap) // page_size))
    start = (min(max(filters.page, 1), pages) - 1) * page_size
    shown = ordered[start:start + page_size]
    return shown, {k: members[k] for k in shown}, min(len(groups), cap + 1)


def sqlite_plan(finsam: Finsam, call: Any, which: int = 0) -> list[str]:
    """SQLite's plan (`EXPLAIN QUERY PLAN`) of a SELECT that `call()` sends (the first, or the
    `which`-th as in a list)."""
    sent: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, *_):  # type: ignore[no-untyped-def]
        sent.append((statement, parameters))

    event.listen(finsam.db.sa_engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(finsam.db.sa_engine, "before_cursor_execute", record)
    statement, parameters = [s for s in sent if s[0].startswith("SELECT")][which]
    with finsam.db.sa_engine.connect() as connection:
        return [row[-1] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)]


@pytest.mark.parametrize("cap", [2, 1000])
def test_the_page_and_count_are_the_plain_reading_of_the_filters(
        finsam: Finsam, database_url: str, cap: int) -> None:
    desk = Desk(database_url)
    for n, (parties, form) in enumerate(itertools.product(
            [FINSAM_PARTIES, ESF_PARTIES], ["finansiell_samordning", "esf_plus", "bada"])):
        desk.need(parties, form, titel=f"{'Öppen' if n % 2 else 'Arbete'} knutpunkt {n}")
    kansli = capacities(finsam.db, "kansli")[0]
    with finsam.db.write() as session:
        first = session.scalar(select(func.min(Instance.id)).where(
            Instance.parent_id.is_not(None)))
        session.execute(update(HumanTask).where(HumanTask.instance_id == first).values(
            due_at=finsam.engine.clock() - timedelta(days=2)))
    finsam.case_files.add_note(kansli, first, "Lokalbokning klar.")
    now = finsam.engine.clock()
    today = date.today()
    variants = [OverviewFilters(), OverviewFilters(process="esf_plus"),
                OverviewFilters(status="running"), OverviewFilters(party="klippan"),
                OverviewFilters(party="fk"), OverviewFilters(mine=True),
                OverviewFilters(overdue=True), OverviewFilters(start=today, end=today),
                OverviewFilters(end=today - timedelta(days=1)),
                OverviewFilters(q="knutpunkt"), OverviewFilters(q="lokalbokning"),
                OverviewFilters(q="öppen"), OverviewFilters(q="finnsinte"),
                OverviewFilters(q="knutpunkt", party="af", overdue=False, mine=True)]
    compared = 0
    for user in ("kansli", "klippan", "styrelse"):
        capacity = capacities(finsam.db, user)[0]
        for filters, sort, page in itertools.product(variants, ("new", "old", "title"), (1, 3)):
            chosen = replace(filters, sort=sort, page=page)
            found = group_page(finsam.db, capacity, chosen, now, 2, cap)
            expected = reference(finsam, capacity, chosen, now, 2, cap)
            assert (found.keys, found.members, found.total) == expected, (user, chosen)
            compared += bool(found.keys)
    assert compared > 60  # most of the comparisons have a page to compare


def test_the_overview_is_read_without_jit_on_postgresql(
        finsam: Finsam, database_url: str) -> None:
    """PostgreSQL would compile the plans of the stream and of the walks (costed for every case,
    past the JIT threshold at 100 000 cases) though each stops after a page or `cap + 1`
    groups: every statement of `group_page` runs with JIT off, and only there."""
    if finsam.db.is_sqlite:
        pytest.skip("JIT is PostgreSQL's")
    desk = Desk(database_url)
    for n in range(2):
        desk.need(FINSAM_PARTIES, "finansiell_samordning", titel=f"Knutpunkt {n}")
    kansli = capacities(finsam.db, "kansli")[0]
    settings: list[tuple[str, str]] = []

    def jit_of(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("SELECT"):
            settings.append((statement.split()[1], conn.exec_driver_sql("SHOW jit").scalar()))

    event.listen(finsam.db.sa_engine, "after_cursor_execute", jit_of)
    try:
        streamed = group_page(finsam.db, kansli, OverviewFilters(party="klippan"),
                              finsam.engine.clock(), 2, 1)  # the stream, then a walk
        counted = group_page(finsam.db, kansli, OverviewFilters(), finsam.engine.clock(), 2)
    finally:
        event.remove(finsam.db.sa_engine, "after_cursor_execute", jit_of)
    assert (streamed.total, counted.total) == (2, 2)
    assert len(settings) >= 6 and {jit for _, jit in settings} == {"off"}, settings
    assert any(first == "count(*)" for first, _ in settings)  # the capped count is among them
    with finsam.db.read() as session:  # for those transactions only
        assert session.scalar(text("SHOW jit")) == "on"


def test_the_streamed_source_is_read_first_on_sqlite(finsam: Finsam, database_url: str) -> None:
    """SQLite would read the cases first and ask the full-text index for each, which for a
    prefix search reads the term's whole doclist per case; the stream reads the source once."""
    if not finsam.db.is_sqlite:
        pytest.skip("SQLite's join order")
    desk = Desk(database_url)
    for n in range(3):
        desk.need(FINSAM_PARTIES, "finansiell_samordning", titel=f"Knutpunkt {n}")
    klippan = capacities(finsam.db, "klippan")[0]
    filters = OverviewFilters(q="knutpunkt")
    query = streamed_source(finsam.db, klippan.forbund, row_conditions(klippan, filters),
                            narrowings(finsam.db, klippan, filters, finsam.engine.clock()))
    with finsam.db.sa_engine.connect() as connection:
        assert len({key for (key,) in connection.execute(query)}) == 3  # three groups
    plan = sqlite_plan(finsam, lambda: finsam.db.sa_engine.connect().execute(query).all())
    source = next(i for i, d in enumerate(plan) if "instance_title_fts" in d)
    case = next(i for i, d in enumerate(plan) if re.match(r"(SCAN|SEARCH) instance\b", d))
    assert source < case, plan


def test_an_empty_page_asks_for_no_cases(finsam: Finsam, database_url: str) -> None:
    """A search that finds nothing shows no group, and no case is read for it (SQLite walked
    every case of the förbund for `id IN ()`)."""
    Desk(database_url).need(FINSAM_PARTIES, "finansiell_samordning", titel="Knutpunkt")
    kansli = capacities(finsam.db, "kansli")[0]
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(finsam.db.sa_engine, "before_cursor_execute", record)
    try:
        assert finsam.engine.list_instances(kansli.forbund, ids=[]) == []
        assert sent == []
        assert case_overview(finsam, kansli, OverviewFilters(q="finnsinte")).groups == []
    finally:
        event.remove(finsam.db.sa_engine, "before_cursor_execute", record)
    assert not [s for s in sent if "spec_version" in s]


def test_a_pages_cases_are_read_by_their_ids_on_sqlite(finsam: Finsam, database_url: str) -> None:
    """The page's cases are looked up by id; SQLite (without statistics) read every case of the
    förbund by the index on `tenant` and sorted them."""
    if not finsam.db.is_sqlite:
        pytest.skip("SQLite's choice of index")
    desk = Desk(database_url)
    for n in range(3):
        desk.need(FINSAM_PARTIES, "finansiell_samordning", titel=f"Knutpunkt {n}")
    with finsam.db.read() as session:
        ids = list(session.scalars(select(Instance.id).order_by(Instance.id)))
    asked = [ids[0], ids[-1], *range(ids[-1] + 1, ids[-1] + 39)]  # a page's 40, 38 unknown
    found = finsam.engine.list_instances("nnv-skane", ids=asked, limit=40)
    assert [i.id for i in found] == [ids[-1], ids[0]]
    assert finsam.engine.list_instances("another", ids=asked) == []
    plan = sqlite_plan(finsam, lambda: finsam.engine.list_instances("nnv-skane", ids=asked))
    assert plan[0].startswith("SEARCH instance USING INTEGER PRIMARY KEY"), plan


def test_a_pages_members_are_read_by_their_group_on_sqlite(
        finsam: Finsam, database_url: str) -> None:
    """The cases of the page's groups are read by the group index (`ix_instance_group`), whatever
    the filters; SQLite took the process filter's index and read every case of the process."""
    if not finsam.db.is_sqlite:
        pytest.skip("SQLite's choice of index")
    desk = Desk(database_url)
    for form in ("finansiell_samordning", "esf_plus", "finansiell_samordning",
                 "finansiell_samordning"):
        desk.need(FINSAM_PARTIES, form, titel="Knutpunkt")
    kansli = capacities(finsam.db, "kansli")[0]
    filters = OverviewFilters(process="finansiell_samordning")
    found = group_page(finsam.db, kansli, filters, finsam.engine.clock(), 3)
    assert found.total == 3 and [len(m) for m in found.members.values()] == [1, 1, 1]
    plan = sqlite_plan(finsam, lambda: group_page(finsam.db, kansli, filters,
                                                  finsam.engine.clock(), 3), which=-1)
    assert plan[0].startswith("SEARCH instance USING INDEX ix_instance_group"), plan


def test_waiting_on_me_is_the_grants_own_reading(finsam: Finsam, database_url: str) -> None:
    # "Waiting on me/us" holds for a case with an open task that one of the capacity's grants
    # allows (`Grant.allows`, on that case's own data): held equal, case by case, for each party's
    # representative, with cases where the party is not a parter and tasks of groups that every
    # party's grants name (beredningsgruppen, the parties' representatives).
    desk = Desk(database_url)
    for parties, form in itertools.product([FINSAM_PARTIES, ESF_PARTIES],
                                           ["finansiell_samordning", "esf_plus"]):
        desk.need(parties, form)
    now = finsam.engine.clock()
    with finsam.db.read() as session:
        cases = {i.id: i for i in session.scalars(select(Instance))}
        tasks = list(session.scalars(select(HumanTask).where(HumanTask.state == "open")))
    compared = 0
    for user in sorted({*FINSAM_PARTIES, *ESF_PARTIES}):
        capacity = capacities(finsam.db, user)[0]
        grants = policy.grants(capacity)
        expected = {t.instance_id for t in tasks if any(
            g.allows(t.assignee, t.process_id, cases[t.instance_id].data) for g in grants)}
        [mine] = narrowings(finsam.db, capacity, OverviewFilters(mine=True), now)
        with finsam.db.read() as session:
            found = set(session.scalars(select(Instance.id).where(mine.condition)))
        assert found == expected, user
        compared += len(expected)
    assert compared


def test_a_partys_tasks_are_streamed_in_the_order_they_became_ready_on_sqlite(
        finsam: Finsam, database_url: str) -> None:
    """The party filter's source reads an assignee's open tasks by `ix_human_task_inbox` (the
    order they became ready); SQLite took `ix_human_task_process`, process by process, and a
    viewer who sees none of the first process's cases had the stream read all of them first."""
    if not finsam.db.is_sqlite:
        pytest.skip("SQLite's choice of index")
    desk = Desk(database_url)
    for form in ("esf_plus", "finansiell_samordning"):
        desk.need(sorted(set(FINSAM_PARTIES) | set(ESF_PARTIES)), form, titel="Knutpunkt")
    angelholm = capacities(finsam.db, "angelholm")[0]
    filters = OverviewFilters(party="klippan")
    query = streamed_source(finsam.db, angelholm.forbund, row_conditions(angelholm, filters),
                            narrowings(finsam.db, angelholm, filters, finsam.engine.clock()))
    plan = sqlite_plan(finsam, lambda: finsam.db.sa_engine.connect().execute(query).all())
    tasks = [d for d in plan if re.match(r"SEARCH human_task USING INDEX ix_human_task_"
                                         r"(inbox|process|item)", d)]
    assert len(tasks) == 3 and not [d for d in tasks if "ix_human_task_process" in d], plan
