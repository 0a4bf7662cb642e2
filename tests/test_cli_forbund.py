"""`finsam forbund add` (idempotent, one-line errors), `finsam deploy --forbund`, `finsam init`
for every förbund, `finsam user add` of an existing account, and `finsam user lock`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import Database
from engine.store.models import SpecVersion
from webui.cli import main
from workflows.models import Forbund, Organisation
from workflows.system import bundled_diagrams, diagrams_dir
from workflows.users import authenticate, capacities

SODRA = ["sodra", "--name", "Samordningsförbundet Södra",
         "--member", "af:af:Arbetsförmedlingen", "--member", "fk:fk:Försäkringskassan",
         "--member", "trelleborg:kommun:Trelleborgs kommun",
         "--member", "region-skane:region:Region Skåne"]


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Any:
        return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    return invoke


def rows(database_url: str) -> tuple[Any, ...]:
    db = Database(database_url)
    try:
        with db.read() as session:
            return (
                tuple(session.execute(select(Forbund.slug, Forbund.name).order_by(Forbund.id))),
                tuple(session.execute(select(Organisation.forbund_id, Organisation.slug,
                                             Organisation.kind, Organisation.name)
                                      .order_by(Organisation.id))),
                tuple(session.execute(select(SpecVersion.tenant, SpecVersion.process_id,
                                             SpecVersion.version).order_by(SpecVersion.id))),
            )
    finally:
        db.dispose()


def test_forbund_add_creates_deploys_and_is_idempotent(run: Any, database_url: str) -> None:
    first = run("forbund", "add", *SODRA)
    assert first.exit_code == 0, first.output
    assert "sodra: created (Samordningsförbundet Södra)" in first.output
    assert "sodra: members added: af, fk, trelleborg, region-skane" in first.output
    for path in bundled_diagrams():
        assert f"sodra: {path.stem} version 1 (deployed)" in first.output
    made = rows(database_url)
    assert [(slug, kind) for _, slug, kind, _ in made[1]] == [
        ("af", "af"), ("fk", "fk"), ("trelleborg", "kommun"), ("region-skane", "region")]
    again = run("forbund", "add", *SODRA)
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        "sodra: unchanged (the förbund, its members and diagrams are there)")
    assert rows(database_url) == made
    more = run("forbund", "add", *SODRA, "--member", "vellinge:kommun:Vellinge kommun")
    assert more.exit_code == 0 and "members added: vellinge" in more.output


@pytest.mark.parametrize(("args", "message"), [
    (["sodra", "--name", "S", "--member", "x:stat:Staten"], "okänd typ 'stat'"),
    (["sodra", "--name", "S", "--member", "x-kommun"], "går inte att läsa: skriv ORG:TYP:NAMN"),
    (["sodra", "--name", "S", "--member", "x::Namn"], "går inte att läsa"),
    (["sodra", "--name", "S", "--member", "Ä:kommun:Ä"], "får bara innehålla"),
    (["sodra", "--name", "S", "--member", "kansli:kommun:K"], "reserverat"),
    (["sodra", "--name", "S", "--member", "a:af:A", "--member", "a:fk:B"], "står två gånger"),
    (["sodra", "--name", "S", "--member", "sodra:kommun:S"], "samma kortnamn som förbundet"),
    (["Södra", "--name", "S"], "kortnamn 'Södra' går inte"),
    (["sodra", "--name", "  "], "behöver ett namn"),
])
def test_forbund_add_refuses_bad_input_in_one_line(run: Any, database_url: str,
                                                   args: list[str], message: str) -> None:
    result = run("forbund", "add", *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert rows(database_url)[0] == ()  # nothing was created


def test_forbund_add_refuses_clashes(run: Any, database_url: str) -> None:
    assert run("demo").exit_code == 0
    assert run("forbund", "add", *SODRA).exit_code == 0
    before = rows(database_url)
    cases = [
        (["sodra", "--name", "Ett annat namn"],
         "finns redan med namnet 'Samordningsförbundet Södra'"),
        (["sodra", "--name", "Samordningsförbundet Södra", "--member", "fk:kommun:FK"],
         "medlemmen 'fk' finns redan i sodra som fk 'Försäkringskassan'"),
        (["sodra", "--name", "Samordningsförbundet Södra", "--member", "nnv-skane:kommun:N"],
         "samma kortnamn som ett förbund"),
        (["klippan", "--name", "Klippan"], "är redan en medlemsorganisations"),
    ]
    for args, message in cases:
        result = run("forbund", "add", *args)
        assert result.exit_code == 1, args
        assert message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert rows(database_url) == before


def test_init_and_deploy_reach_every_forbund_or_the_one_named(
        run: Any, database_url: str, tmp_path: Path) -> None:
    none = run("deploy", str(diagrams_dir() / "esf_plus.bpmn"))
    assert none.exit_code == 1 and "no förbund to deploy to" in none.output
    run("demo")
    run("forbund", "add", *SODRA)
    init = run("init")
    assert "nnv-skane: esf_plus version 1 (unchanged)" in init.output
    assert "sodra: esf_plus version 1 (unchanged)" in init.output
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    (tmp_path / "esf_plus.bpmn").write_text(
        text.replace('name="Projektägare formulerar ansökan"', 'name="Ansökan formuleras"'),
        encoding="utf-8")
    one = run("deploy", str(tmp_path / "esf_plus.bpmn"), "--forbund", "sodra")
    assert one.exit_code == 0, one.output
    assert one.output.strip() == "sodra: esf_plus version 2 (deployed)"
    every = run("deploy", str(tmp_path / "esf_plus.bpmn"))
    assert "nnv-skane: esf_plus version 2 (deployed)" in every.output
    assert "sodra: esf_plus version 2 (unchanged)" in every.output
    unknown = run("deploy", str(tmp_path / "esf_plus.bpmn"), "--forbund", "norr")
    assert unknown.exit_code == 1 and "förbundet 'norr' finns inte" in unknown.output
    db = Database(database_url)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(SpecVersion).where(
                SpecVersion.process_id == "esf_plus")) == 4
    finally:
        db.dispose()


def test_user_add_of_an_existing_account_and_the_operators_lock(
        run: Any, database_url: str) -> None:
    run("demo")
    run("forbund", "add", *SODRA)
    added = run("user", "add", "fk", "--forbund", "sodra", "--org", "fk", "--role",
                "representant", "--password-stdin", stdin="ett-annat-losen\n")
    assert added.exit_code == 0, added.output
    assert "(existing account: its password was not changed)" in added.output
    db = Database(database_url)
    try:
        assert authenticate(db, "fk", "finsam-demo") and not authenticate(db, "fk",
                                                                           "ett-annat-losen")
        assert [c.forbund for c in capacities(db, "fk")] == ["nnv-skane", "sodra"]
        locked = run("user", "lock", "fk")
        assert locked.exit_code == 0 and "locked in every förbund" in locked.output
        assert capacities(db, "fk") == []
        assert run("user", "lock", "fk", "--unlock").exit_code == 0
        assert len(capacities(db, "fk")) == 2
        assert run("user", "lock", "nobody").exit_code == 1
    finally:
        db.dispose()
