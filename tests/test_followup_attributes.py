"""The indexed instance attributes behind the follow-up: how values become rows, that a plain
engine writes none, and migration 0003 (table, indexes, backfill of existing instances)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from engine import Actor, Database, Engine, read_source
from engine.store.attributes import attribute_rows, write_attributes
from engine.store.models import ATTRIBUTE_TEXT_LENGTH, Base, Instance, InstanceAttribute
from workflows import Finsam
from workflows.catalogue import INDEXED_VARIABLES
from workflows.schema import alembic_config, is_current, upgrade
from workflows.users import capacities

from .conftest import DATA

MIGRATION = (Path(__file__).resolve().parent.parent / "workflows" / "migrations" / "versions"
             / "0003_instance_attribute.py")


def test_values_become_rows() -> None:
    data = {"flag": True, "off": False, "amount": 3_500_000, "share": 0.5,
            "day": "2025-02-06", "not_a_day": "2025-02-30", "word": "beviljas",
            "many": ["af", "fk", {"nested": 1}, None], "nothing": None,
            "long": "x" * (ATTRIBUTE_TEXT_LENGTH + 50), "other": "not declared"}
    keys = ["flag", "off", "amount", "share", "day", "not_a_day", "word", "many", "nothing",
            "missing", "long"]
    rows = {(key, position): (text_, number, day)
            for key, position, text_, number, day in attribute_rows(data, keys)}
    assert rows[("flag", 0)] == ("true", None, None)
    assert rows[("off", 0)] == ("false", None, None)
    assert rows[("amount", 0)] == (None, 3_500_000.0, None)
    assert rows[("share", 0)] == (None, 0.5, None)
    assert rows[("day", 0)] == ("2025-02-06", None, date(2025, 2, 6))
    assert rows[("not_a_day", 0)] == ("2025-02-30", None, None)
    assert rows[("many", 0)] == ("af", None, None) and rows[("many", 1)] == ("fk", None, None)
    assert ("many", 2) not in rows and ("many", 3) not in rows  # dicts and None are skipped
    assert len(rows[("long", 0)][0] or "") == ATTRIBUTE_TEXT_LENGTH
    assert {k for k, _ in rows} == {"flag", "off", "amount", "share", "day", "not_a_day",
                                    "word", "many", "long"}


def test_a_plain_engine_indexes_nothing(engine: Engine) -> None:
    engine.deploy("t", read_source(DATA / "engine" / "approval.bpmn"), "test")
    requester = Actor.of_groups("u", "t", "u", frozenset({"Requester"}))
    result = engine.start_instance(requester, "approval", {"title": "x"})
    assert result.instance.status == "running"
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(InstanceAttribute)) == 0


def test_the_migration_backfills_the_frozen_copy_of_the_declared_keys() -> None:
    backfilled: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATION, MIGRATION.with_name("0015_insats_staff_followup.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.TEXT_LENGTH == ATTRIBUTE_TEXT_LENGTH
        for process_id, keys in module.BACKFILL_KEYS.items():
            backfilled[process_id] = backfilled.get(process_id, ()) + keys
    # A key declared later needs a backfill migration of its own: the union is what is declared.
    assert backfilled == INDEXED_VARIABLES


def test_the_models_match_the_migrations(db: Database) -> None:
    with db.sa_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in differences if "instance_attribute" in repr(d)
            or "ix_instance_tenant_process_created" in repr(d)]
    assert mine == []
    indexes = {i["name"] for i in inspect(db.sa_engine).get_indexes("instance_attribute")}
    assert {"ix_instance_attribute_value", "ix_instance_attribute_instance"} <= indexes


def test_upgrade_from_0002_backfills_existing_instances(database_url: str) -> None:
    db = Database(database_url)
    config = alembic_config(db)
    with db.sa_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    now = "2025-01-01 00:00:00+00:00"
    esf = {"titel": "Idé", "parter": ["af", "fk"], "projektagare": "fk", "fk_fallback": True,
           "medfinansiarer": ["af"], "inskickad_datum": "2025-10-01", "beviljat_belopp": 100,
           "projektide": "not indexed"}
    with db.sa_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO spec_version (id, process_id, version, content_hash, filename, bpmn, "
            "forms, deployed_at, deployed_by) VALUES (1, 'esf_plus', 1, 'h', 'p.bpmn', :b, "
            "'{}', :t, 'x')"), {"b": b"<x/>", "t": now})
        for instance_id, process, data in ((1, "esf_plus", esf), (2, "other", {"parter": ["af"]})):
            connection.execute(text(
                "INSERT INTO instance (id, tenant, process_id, spec_version_id, status, title, "
                "state, data, serializer_version, library_version, last_seq, head_hash, "
                "created_at, created_by, updated_at) VALUES (:id, 't', :p, 1, 'running', '', "
                "'{}', :d, '1.5', '3.2.0', 0, :h, :t, 'x', :t)"),
                {"id": instance_id, "p": process, "d": json.dumps(data), "h": "0" * 64,
                 "t": now})
    upgrade(db)
    assert is_current(db)
    with db.read() as session:
        rows = session.execute(
            select(InstanceAttribute.instance_id, InstanceAttribute.tenant,
                   InstanceAttribute.process_id, InstanceAttribute.key,
                   InstanceAttribute.position, InstanceAttribute.value_text,
                   InstanceAttribute.value_number, InstanceAttribute.value_date)
            .order_by(InstanceAttribute.key, InstanceAttribute.position)).all()
    assert [tuple(r) for r in rows] == [
        (1, "t", "esf_plus", "beviljat_belopp", 0, None, 100.0, None),
        (1, "t", "esf_plus", "fk_fallback", 0, "true", None, None),
        (1, "t", "esf_plus", "inskickad_datum", 0, "2025-10-01", None, date(2025, 10, 1)),
        (1, "t", "esf_plus", "medfinansiarer", 0, "af", None, None),
        (1, "t", "esf_plus", "parter", 0, "af", None, None),
        (1, "t", "esf_plus", "parter", 1, "fk", None, None),
        (1, "t", "esf_plus", "projektagare", 0, "fk", None, None),
    ]  # the unknown process "other" and undeclared variables get no rows
    db.dispose()


def test_a_value_that_changes_only_its_type_gets_new_rows(finsam: Finsam) -> None:
    # A step compares the keys' values before and after and writes only the keys that changed;
    # True == 1 in Python, but their rows differ ('true' against the number 1).
    start = finsam.start_need(capacities(finsam.db, "kansli")[0], {"titel": "Knutpunkt"})
    iid = start.instance.id
    key = "inom_finsam_malgrupp"
    with finsam.db.write() as session:
        instance = session.get(Instance, iid)
        instance.data = {**instance.data, key: 1}
        write_attributes(session, instance, [key], {**instance.data, key: True})
    with finsam.db.read() as session:
        rows = session.execute(select(InstanceAttribute.value_text, InstanceAttribute.value_number)
                               .where(InstanceAttribute.instance_id == iid,
                                      InstanceAttribute.key == key)).all()
    assert [tuple(r) for r in rows] == [(None, 1.0)]
