"""Driving instances along the main paths of both routes through the system's public API."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from workflows import Capacity, Finsam
from workflows.demo import load_demo
from workflows.users import capacities

ESF_PARTIES = ["af", "fk", "angelholm"]
FINSAM_PARTIES = ["angelholm", "klippan", "region-skane"]
NEED = {"malgrupp": "Unga vuxna hemmasittare", "inom_finsam_malgrupp": True}


def reset_bench_database(url: str) -> None:
    """Empty a PostgreSQL database whose name contains 'bench' (a benchmark's own database), so
    that every run starts from the same empty schema. Any other database is left as it is."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "bench" not in (parsed.database or ""):
        return
    sa_engine = create_engine(url)
    try:
        with sa_engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except OperationalError as error:  # a message and a way onward, not a traceback
        reason = str(error.orig or error).strip().splitlines()[0]
        raise SystemExit(
            f"cannot use the database {parsed.database!r}: {reason}\n"
            f"create it first: psql -h {parsed.host or '127.0.0.1'} -U "
            f"{parsed.username or 'postgres'} -c 'CREATE DATABASE {parsed.database}'") from None
    finally:
        sa_engine.dispose()


@contextmanager
def demo_system(url: str | None = None) -> Iterator[Finsam]:
    """A Finsam system with the demo förbund, on `url` (emptied first when it is a benchmark
    database, see `reset_bench_database`) or a fresh SQLite file."""
    if url:
        reset_bench_database(url)
    with tempfile.TemporaryDirectory() as folder:
        finsam = Finsam(url or f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}")
        try:
            finsam.init()
            load_demo(finsam.db)
            yield finsam
        finally:
            finsam.close()


def parameter_bytes(parameters: Any) -> int:
    """The bytes of a statement's parameters (text as UTF-8): what a write sends to the database."""
    if isinstance(parameters, dict):
        return sum(parameter_bytes(v) for v in parameters.values())
    if isinstance(parameters, list | tuple):
        return sum(parameter_bytes(v) for v in parameters)
    if parameters is None:
        return 0
    if isinstance(parameters, bytes | bytearray | memoryview):
        return len(parameters)
    return len(str(parameters).encode("utf-8"))


class StatementMeter:
    """Counts the statements an SQLAlchemy engine sends (every cursor execute, `BEGIN` included,
    plus each `COMMIT`) and the bytes of their parameters: a deterministic measure beside time."""

    def __init__(self, sa_engine: SAEngine) -> None:
        self.statements = 0
        self.bytes = 0
        event.listen(sa_engine, "before_cursor_execute", self._execute)
        event.listen(sa_engine, "commit", self._commit)

    def _execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any,
                 _context: Any, executemany: bool) -> None:
        self.statements += 1
        self.bytes += len(statement.encode("utf-8")) + parameter_bytes(parameters)

    def _commit(self, _conn: Any) -> None:
        self.statements += 1

    def reading(self) -> tuple[int, int]:
        return self.statements, self.bytes


class Driver:
    """Completes tasks as the demo users, timing each completion (and, with a `meter`, counting
    its statements and bytes)."""

    def __init__(self, finsam: Finsam, meter: StatementMeter | None = None) -> None:
        self.finsam = finsam
        self.meter = meter
        self.caps: dict[str, Capacity] = {}
        self.completion_seconds: list[float] = []
        self.completion_statements: list[int] = []
        self.completion_bytes: list[int] = []

    def cap(self, user: str) -> Capacity:
        if user not in self.caps:
            self.caps[user] = capacities(self.finsam.db, user)[0]
        return self.caps[user]

    def act(self, user: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> Any:
        task = next(t for t in self.finsam.engine.open_tasks_of(instance_id)
                    if t.bpmn_id == bpmn_id and (item is None or t.item == item))
        before = self.meter.reading() if self.meter else (0, 0)
        started = time.perf_counter()
        result = self.finsam.complete_task(self.cap(user), task.id, data)
        self.completion_seconds.append(time.perf_counter() - started)
        if self.meter:
            self.completion_statements.append(self.meter.statements - before[0])
            self.completion_bytes.append(self.meter.bytes - before[1])
        return result

    def each(self, instance_id: int, bpmn_id: str, answers: dict[str, dict[str, Any]]) -> None:
        for org, data in answers.items():
            self.act(org, instance_id, bpmn_id, data, item=org)

    def need(self, parties: list[str], form: str) -> dict[str, int]:
        start = self.finsam.start_need(self.cap("kansli"), {"titel": "Knutpunkt"})
        result = self.act("kansli", start.instance.id, "identifiera_behov",
                          {**NEED, "titel": "Knutpunkt", "parter": parties,
                           "finansieringsform": form})
        return {i.process_id: i.id for i in result.started}

    def esf_main_path(self) -> int:
        """B2 to the final report, with FK as nobody's choice: one instance, 23 completions."""
        iid = self.need(ESF_PARTIES, "esf_plus")["esf_plus"]
        self.act("af", iid, "utforma_projektide",
                 {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"})
        self.each(iid, "forankra_projektide", {o: {"forankrad": True} for o in ESF_PARTIES})
        self.each(iid, "mandat_projektagarskap", {o: {
            "mandat": True, "vill_vara_projektagare": o == "angelholm", "medfinansierar": True}
            for o in ESF_PARTIES})
        self.act("af", iid, "overenskommelse", {"overenskommelse": "overens",
                 "projektagare": "angelholm", "medfinansiarer": ["af", "fk"]})
        self.each(iid, "medverka_ansokan", {o: {"atagande": "Personal"} for o in ["af", "fk"]})
        self.act("angelholm", iid, "formulera_ansokan",
                 {"ansokan_sammanfattning": "Knutpunkt", "sokt_belopp": 5_000_000})
        self.each(iid, "beslut_projektansokan", {o: {"beslut": "ja", "beslut_referens": "r"}
                                                 for o in ["angelholm", "af", "fk"]})
        self.act("angelholm", iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
        self.act("angelholm", iid, "registrera_esf_beslut", {
            "esf_beslut": "beviljad", "esf_diarienummer": "2025/1", "beslut_datum": "2025-12-01",
            "beviljat_belopp": 4_000_000, "projektperiod_start": "2026-01-01",
            "projektperiod_slut": "2028-12-31"})
        self.act("angelholm", iid, "bilda_projektorganisation", {"projektorganisation": "Kansli"})
        self.each(iid, "genomfora_projektdel", {o: {"genomfort": "Vår del"}
                                                for o in ["angelholm", "af", "fk"]})
        self.act("angelholm", iid, "genomfora_projekt", {"genomford_datum": "2028-12-31"})
        self.act("angelholm", iid, "slutrapportera", {"slutrapport_datum": "2029-02-28"})
        return iid

    def finsam_main_path(self) -> int:
        """A2 to A5 with a granted board decision: one instance, 11 completions."""
        iid = self.need(FINSAM_PARTIES, "finansiell_samordning")["finansiell_samordning"]
        self.act("klippan", iid, "utforma_insats", {
            "insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
            "specifik_malgrupp": ["unga"], "syfte": "Stöd", "mal": "Arbete",
            "sokt_belopp": 3_500_000, "processagare": "angelholm"})
        self.each(iid, "forankra_insats", {o: {"forankrad": True} for o in FINSAM_PARTIES})
        self.act("angelholm", iid, "ansvarsfordelning", {"ansvarsfordelning": "Ängelholm leder"})
        self.act("kansli", iid, "bereda_arende",
                 {"tjansteutlatande": "Ok", "forslag_till_beslut": "Bevilja"})
        self.act("styrelse", iid, "styrelsebeslut", {
            "styrelsebeslut": "beviljas", "beviljat_belopp": 3_500_000,
            "period_start": "2025-03-01", "period_slut": "2026-02-28",
            "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 7"})
        self.each(iid, "genomfora_insatsdel", {o: {"genomfort": "Vår del"}
                                               for o in FINSAM_PARTIES})
        self.act("angelholm", iid, "genomfora_insats",
                 {"deltagare_kvinnor": 12, "deltagare_man": 9, "genomford_datum": "2026-02-28"})
        return iid
