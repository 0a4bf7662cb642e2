"""The register of samordningsförbund 2023 as shipped data, and `finsam forbund add SLUG
--from-register NAME` creating a förbund with its kommuner, region, AF and FK."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import Database, NotFound
from webui.cli import main
from workflows import register as national
from workflows.models import Forbund, Organisation


def test_register_shape_and_known_entries() -> None:
    document = json.loads(national.REGISTER_PATH.read_text(encoding="utf-8"))
    assert set(document) >= {"source", "regions", "forbund"}
    entries = national.register()
    assert len(entries) == 72
    kommuner = [k for e in entries for ks in e.kommuner.values() for k in ks]
    # The register's own total, each kommun in exactly one förbund; names mended (no OCR é, 6).
    assert len(kommuner) == len(set(kommuner)) == 274
    assert not any(ch in k for k in kommuner for ch in "éè6|°")
    for entry in entries:
        assert entry.name and entry.kommuner
        assert set(entry.kommuner) <= set(document["regions"])
    nnv = national.find("Samordningsförbundet NNV Skåne")
    assert nnv.kommuner == {"Skåne län": ["Båstad", "Klippan", "Perstorp", "Ängelholm",
                                          "Örkelljunga"]}
    dalsland = national.find("västra värmlands och norra dalslands samordningsförbund")
    assert dalsland.kommuner["Västra Götalands län"] == ["Bengtsfors", "Åmål", "Dals-Ed"]
    assert [(m.slug, m.kind) for m in dalsland.members][:4] == [
        ("af", "af"), ("fk", "fk"), ("region-varmland", "region"),
        ("vastra-gotalandsregionen", "region")]
    assert national.find("Samordningsforbundet Goteborg").kommuner == {
        "Västra Götalands län": ["Göteborg"]}


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(NotFound, match="menar du 'Samordningsförbundet i Trelleborg'"):
        national.find("Samordningsförbundet Trelleborg")


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FINSAM_DATABASE_URL", database_url)
    monkeypatch.delenv("FINSAM_SMTP_HOST", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_forbund_add_from_register(run: Any, database_url: str) -> None:
    result = run("forbund", "add", "nils", "--from-register", "Samordningsförbundet Nils")
    assert result.exit_code == 0, result.output
    assert "nils: created (Samordningsförbundet Nils)" in result.output
    db = Database(database_url)
    try:
        with db.read() as session:
            rows = session.execute(
                select(Organisation.slug, Organisation.kind, Organisation.name)
                .join(Forbund, Forbund.id == Organisation.forbund_id)
                .where(Forbund.slug == "nils").order_by(Organisation.id)).all()
    finally:
        db.dispose()
    assert [tuple(r) for r in rows] == [
        ("af", "af", "Arbetsförmedlingen"), ("fk", "fk", "Försäkringskassan"),
        ("region-skane", "region", "Region Skåne"), ("svedala", "kommun", "Svedala"),
        ("skurup", "kommun", "Skurup")]
    again = run("forbund", "add", "nils", "--from-register", "samordningsförbundet nils")
    assert again.exit_code == 0 and "unchanged" in again.output


def test_forbund_add_from_register_refuses_an_unknown_name(run: Any) -> None:
    result = CliRunner().invoke(main, ["forbund", "add", "x", "--from-register", "Nowhere"])
    assert result.exit_code == 1
    assert "finns inte i registret" in result.output
    missing = CliRunner().invoke(main, ["forbund", "add", "x"])
    assert missing.exit_code == 1 and "--from-register" in missing.output


def test_forbund_register_lists_matches(run: Any) -> None:
    result = run("forbund", "register", "skane")
    assert "Samordningsförbundet Mitt Skåne (Skåne län): Eslöv, Höör, Hörby" in result.output
    assert "Göteborg" not in result.output
