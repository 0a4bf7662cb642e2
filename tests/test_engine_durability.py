"""What a completion costs the database and what it promises: durable commits, a pinned number of
statements on the main path (a deterministic ceiling, not a timing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select, text

from engine import Database
from engine.store.db import SQLITE_MMAP_BYTES
from engine.store.models import Event, HumanTask, Notification
from workflows import Finsam
from workflows.demo import DEMO_FORBUND
from workflows.users import capacities


def test_sqlite_history_survives_power_loss(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.read() as session:
            if db.is_sqlite:
                # 2 = FULL: the WAL is synced at every commit (NORMAL, 1, may lose the last steps
                # on power loss); WAL mode kept.
                assert session.execute(text("PRAGMA synchronous")).scalar() == 2
                assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                # the file read through a memory map (engine/store/db.py)
                assert session.execute(text("PRAGMA mmap_size")).scalar() == SQLITE_MMAP_BYTES
            else:
                assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
    finally:
        db.dispose()


class Counter:
    """Every statement an SQLAlchemy engine sends, BEGIN and COMMIT included."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(" ".join(statement.split()[:3]).upper())

    def commit(self, _conn: Any) -> None:
        self.statements.append("COMMIT")


def _complete_counting(finsam: Finsam, user: str, instance_id: int, bpmn_id: str,
                       data: dict[str, Any], item: str | None = None) -> tuple[Any, list[str]]:
    task = next(t for t in finsam.engine.open_tasks_of(instance_id)
                if t.bpmn_id == bpmn_id and (item is None or t.item == item))
    capacity = capacities(finsam.db, user)[0]
    counter = Counter()
    event.listen(finsam.db.sa_engine, "before_cursor_execute", counter.execute)
    event.listen(finsam.db.sa_engine, "commit", counter.commit)
    try:
        result = finsam.complete_task(capacity, task.id, data)
    finally:
        event.remove(finsam.db.sa_engine, "before_cursor_execute", counter.execute)
        event.remove(finsam.db.sa_engine, "commit", counter.commit)
    return result, counter.statements


def _esf_route(finsam: Finsam, started_by: Finsam | None = None) -> int:
    """An ESF+ route at its first step: a need (started by `started_by`, default `finsam`)
    identified by the kansli through `finsam`; the route's instance id."""
    kansli = capacities(finsam.db, "kansli")[0]
    start = (started_by or finsam).start_need(kansli, {"titel": "Knutpunkt"})
    need, _ = _complete_counting(finsam, "kansli", start.instance.id, "identifiera_behov", {
        "malgrupp": "Unga vuxna hemmasittare", "inom_finsam_malgrupp": True,
        "titel": "Knutpunkt", "parter": ["af", "fk", "angelholm"],
        "finansieringsform": "esf_plus"})
    iid = next(i.id for i in need.started if i.process_id == "esf_plus")
    return iid


# The statements of one completion on the main path, BEGIN (SQLite) and COMMIT included. On
# PostgreSQL: the lock with the read of the tasks (read again only if the statement waited for
# the lock: tests/test_concurrency.py), one statement for every write (the instance and task
# rows, the events, the ledger's UPDATE and entries as data-modifying CTEs) and COMMIT. SQLite has
# neither FOR UPDATE nor writable CTEs, but takes its lock at BEGIN, so one read suffices; its
# writes are the instance's UPDATE, the event's INSERT (which completes the task's row) and the
# ledger entries' INSERT (which moves the ledger head): triggers of migration 0021.
COMPLETION_STATEMENTS = {"sqlite": 6, "postgresql": 3}


def test_one_completion_sends_a_pinned_number_of_statements(finsam: Finsam) -> None:
    iid = _esf_route(finsam)
    opened, opening = _complete_counting(finsam, "af", iid, "utforma_projektide",
                                         {"projektide": "Knutpunkt", "syfte": "Stöd",
                                          "mal": "Arbete"})
    # Three tasks opened: one INSERT for their rows, one for their notifications, one for events.
    assert len([t for t in opened.open_tasks if t.bpmn_id == "forankra_projektide"]) == 3
    assert [s for s in opening if s.startswith("INSERT INTO HUMAN_TASK")] \
        == ["INSERT INTO HUMAN_TASK"], opening
    # Their notifications: one INSERT (on PostgreSQL inside the seal's one statement).
    separate = 0 if finsam.db.sa_engine.dialect.name == "postgresql" else 1
    assert len([s for s in opening if s.startswith("INSERT INTO NOTIFICATION")]) == separate, \
        opening
    with finsam.db.read() as session:
        notified = session.scalars(select(Notification.human_task_id).where(
            Notification.kind == "task_ready", Notification.instance_id == iid)).all()
    assert all(notified.count(t.id) == 1 for t in opened.open_tasks), notified
    # Warm: the spec is cached and the workflow kept, as on a running server.
    result, statements = _complete_counting(finsam, "af", iid, "forankra_projektide",
                                            {"forankrad": True}, item="af")
    assert statements[-1] == "COMMIT" and statements.count("COMMIT") == 1, statements
    assert len(statements) <= COMPLETION_STATEMENTS[finsam.db.sa_engine.dialect.name], statements
    assert sorted(t.item for t in result.open_tasks if t.bpmn_id == "forankra_projektide") \
        == ["angelholm", "fk"]
    # The task's row is completed in the database, at the event's time, by its actor.
    with finsam.db.read() as session:
        row = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == iid, HumanTask.item == "af")).one()
        completed = session.scalars(select(Event).where(
            Event.instance_id == iid, Event.kind == "completed",
            Event.task_guid == row.task_guid)).one()
    assert (row.state, row.completed_by, row.completed_at) \
        == ("completed", completed.actor, completed.at) and completed.actor
    # Nothing given up: the chains, the ledger and the replay of the instances verify.
    results, other = finsam.engine.verify(DEMO_FORBUND[0])
    assert other == [] and all(r.ok for r in results), [str(f) for r in results
                                                         for f in r.findings]


def test_the_ledger_stays_one_chain_when_two_processes_take_turns(finsam: Finsam,
                                                                  database_url: str) -> None:
    # Each process remembers the ledger head it committed last; the other's steps move it, so
    # every guess but the first is stale and the seal must find the head under its lock.
    other = Finsam(database_url)
    try:
        kansli = capacities(finsam.db, "kansli")[0]
        systems = [finsam, other]
        for turn in range(4):
            systems[turn % 2].start_need(kansli, {"titel": f"Behov {turn}"})
        iid = _esf_route(finsam, started_by=other)
        _complete_counting(other, "af", iid, "utforma_projektide",
                           {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"})
        for turn, org in enumerate(["af", "fk", "angelholm"]):
            _complete_counting(systems[turn % 2], org, iid, "forankra_projektide",
                               {"forankrad": True}, item=org)
        seq, _digest = finsam.engine.ledger_head(DEMO_FORBUND[0])
        assert seq >= 10
        results, findings = other.engine.verify(DEMO_FORBUND[0],
                                                expected_head=finsam.engine.ledger_head(
                                                    DEMO_FORBUND[0]))
        assert findings == [] and all(r.ok for r in results), [
            str(f) for r in results for f in r.findings] + [str(f) for f in findings]
    finally:
        other.close()


def test_a_pooled_postgresql_connection_is_pinged_only_after_idling(database_url: str,
                                                                    monkeypatch: Any) -> None:
    db = Database(database_url)
    if db.is_sqlite:
        db.dispose()
        return
    pings: list[int] = []
    real = db.sa_engine.dialect.do_ping
    def counted(connection: Any) -> bool:
        pings.append(1)
        return real(connection)

    monkeypatch.setattr(db.sa_engine.dialect, "do_ping", counted)
    try:
        with db.read() as session:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.read() as session:  # straight back from the pool: no round trip for a ping
            assert session.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        assert pings == [1]  # the new connection, once
        # The server drops the idle connection; once it has idled past the limit it is pinged,
        # found dead and replaced without an error.
        killer = Database(database_url)
        try:
            with killer.read() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            killer.dispose()
        for record in list(db.sa_engine.pool._pool.queue):  # type: ignore[attr-defined]
            record.info["checked_in"] -= 60
        with db.read() as session:
            assert session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        assert len(pings) >= 2
    finally:
        db.dispose()


def test_events_appended_in_a_write_are_read_back_in_it_and_committed(finsam: Finsam) -> None:
    from datetime import UTC, datetime

    from engine.store.chain import append_event
    from engine.store.models import Instance

    kansli = capacities(finsam.db, "kansli")[0]
    iid = finsam.start_need(kansli, {"titel": "Knutpunkt"}).instance.id
    with finsam.db.write() as work:
        instance = work.get_one(Instance, iid)
        before = instance.last_seq
        append_event(work, instance, datetime.now(UTC), "kansli", "kansli", "claimed", {})
        assert work.events  # not yet sent
        seqs = work.scalars(select(Event.seq).where(Event.instance_id == iid)).all()
        assert max(seqs) == before + 1 and not work.events
        append_event(work, instance, datetime.now(UTC), "kansli", "kansli", "unclaimed", {})
    with finsam.db.read() as session:  # the last one sent before commit, without a seal
        seqs = session.scalars(select(Event.seq).where(Event.instance_id == iid)).all()
    assert sorted(seqs) == list(range(1, before + 3))


def test_sqlite_refuses_a_ledger_entry_that_does_not_follow_the_head(finsam: Finsam) -> None:
    # The trigger that moves the head on SQLite (migration 0021) checks the chain itself.
    if not finsam.db.is_sqlite:
        return
    from sqlalchemy.exc import IntegrityError

    kansli = capacities(finsam.db, "kansli")[0]
    finsam.start_need(kansli, {"titel": "Knutpunkt"})
    tenant = DEMO_FORBUND[0]
    seq, digest = finsam.engine.ledger_head(tenant)
    entry = {"tenant": tenant, "at": "2026-12-06 00:00:00", "instance_id": 1,
             "instance_seq": 1, "instance_hash": "0" * 64, "hash": "1" * 64}
    for wrong in ({"seq": seq + 1, "prev_hash": "f" * 64}, {"seq": seq + 2, "prev_hash": digest}):
        with finsam.db.sa_engine.begin() as connection:
            try:
                connection.execute(text(
                    "INSERT INTO ledger_entry (tenant, seq, at, instance_id, instance_seq, "
                    "instance_hash, prev_hash, hash) VALUES (:tenant, :seq, :at, :instance_id, "
                    ":instance_seq, :instance_hash, :prev_hash, :hash)"), {**entry, **wrong})
            except IntegrityError as error:
                assert "predecessor" in str(error)
            else:
                raise AssertionError("an entry that does not follow the head was inserted")
    assert finsam.engine.ledger_head(tenant) == (seq, digest)
    results, other = finsam.engine.verify(tenant)
    assert other == [] and all(r.ok for r in results)


def test_a_warm_completion_builds_no_statement_anew(finsam: Finsam) -> None:
    # SQLAlchemy compiles a statement again unless it finds it in its cache; a multi-row
    # `values([...])` is never cached, and compiling cost a quarter of a completion. Once a step
    # of the same shape has run (here: on a first instance), a completion compiles nothing
    # (`engine/store/bound_rows.py`).
    compiled: list[tuple[str, Any]] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                   _many: bool) -> None:
        if context.compiled is not None:  # not `BEGIN IMMEDIATE`, sent as the driver's text
            compiled.append((" ".join(statement.split()[:3]), context.cache_hit))

    for measured in (False, True):
        iid = _esf_route(finsam)
        _complete_counting(finsam, "af", iid, "utforma_projektide",
                           {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"})
        _complete_counting(finsam, "af", iid, "forankra_projektide", {"forankrad": True},
                           item="af")
        task = next(t for t in finsam.engine.open_tasks_of(iid) if t.item == "fk")
        capacity = capacities(finsam.db, "fk")[0]
        if measured:
            event.listen(finsam.db.sa_engine, "after_cursor_execute", on_execute)
        try:
            finsam.complete_task(capacity, task.id, {"forankrad": True})
        finally:
            if measured:
                event.remove(finsam.db.sa_engine, "after_cursor_execute", on_execute)
    hit = finsam.db.sa_engine.dialect.CACHE_HIT
    assert compiled and [(s, cache) for s, cache in compiled if cache != hit] == []


def test_postgresql_writes_keep_their_prepared_statements_and_reads_write_nothing(
        finsam: Finsam) -> None:
    # psycopg prepares a statement once a connection has run it five times and forgets them all
    # at a ROLLBACK. Reads ended with one, so the writes between them were parsed and planned
    # again every time. Reads now run READ ONLY and end with COMMIT; only writes are prepared.
    if finsam.db.is_sqlite:
        return
    iid = _esf_route(finsam)
    task = next(t for t in finsam.engine.open_tasks_of(iid))
    capacity = capacities(finsam.db, "af")[0]
    for _ in range(6):  # the statements of a claim and a release, each after a read
        finsam.engine.open_tasks_of(iid)
        finsam.claim_task(capacity, task.id)
        finsam.engine.open_tasks_of(iid)
        finsam.unclaim_task(capacity, task.id)
    with finsam.db.write() as session:  # the pool's one connection
        prepared = [s for (s,) in session.execute(
            text("SELECT statement FROM pg_prepared_statements"))]
    assert any("FOR UPDATE" in s for s in prepared), prepared
    assert not any(s.lstrip().startswith("SELECT human_task") for s in prepared), prepared
    with finsam.db.read() as session:
        try:
            session.execute(text("UPDATE instance SET title = 'x'"))
        except Exception as error:
            assert "read-only transaction" in str(error)
        else:
            raise AssertionError("a read session wrote")


def test_a_completion_runs_no_flush_that_has_nothing_to_write(finsam: Finsam) -> None:
    # The step's row changes leave as Core UPDATEs (`UnitOfWork.take_row_changes`), which also
    # marks the rows clean: a row left "modified" (an attribute set to its own value) made every
    # later flush of the write walk the session's rows and write nothing.
    from engine.store.unit_of_work import UnitOfWork

    idle: list[int] = []

    def on_flush(session: Any, _context: Any, _instances: Any) -> None:
        if not session.new and not session.deleted and not any(
                session.is_modified(row) for row in session.dirty):
            idle.append(1)

    iid = _esf_route(finsam)
    event.listen(UnitOfWork, "before_flush", on_flush)
    try:
        _complete_counting(finsam, "af", iid, "utforma_projektide",
                           {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"})
        for org in ("af", "fk", "angelholm"):
            _complete_counting(finsam, org, iid, "forankra_projektide", {"forankrad": True},
                               item=org)
    finally:
        event.remove(UnitOfWork, "before_flush", on_flush)
    assert idle == []
