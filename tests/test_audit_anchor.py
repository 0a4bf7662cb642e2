"""`finsam audit verify` tells a verified chain from an anchored one.

A history changed and re-hashed from the changed event on is internally consistent: without a
head kept elsewhere (or a head signed with FINSAM_AUDIT_KEY) nothing in the file can tell it from
the real one, so the command says so and exits 3; with `--head` or a valid signature it exits 0,
and a forgery against either exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.base.canonical import GENESIS_HASH
from engine.history.export import check_export, parse, to_csv, to_json
from engine.store.chain import chain_hash

from .conftest import Browser
from .test_cli import _finished_history, run  # noqa: F401 - the fixture

KEY = "hemlig-revisionsnyckel"


def rehashed(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with its first outcome event changed and every hash recomputed: what someone
    who can write the database (or the file) but holds no key can make."""
    forged = json.loads(json.dumps(document))
    target = next(e for e in forged["events"] if e["kind"] == "completed")
    target["data"] = {**target["data"], "forged": True}
    previous = GENESIS_HASH
    for event in forged["events"]:
        body = {"instance_id": forged["instance"]["id"], "seq": event["seq"], "at": event["at"],
                "actor": event["actor"], "acting_as": event["acting_as"], "kind": event["kind"],
                "task": event["task"], "task_guid": event["task_guid"], "data": event["data"]}
        event["prev_hash"] = previous
        event["hash"] = previous = chain_hash(previous, body)
    forged["head"] = {**forged["head"], "hash": previous}
    return forged


def export(run, tmp_path: Path, fmt: str) -> tuple[Path, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    out = tmp_path / f"history.{fmt}"
    exported = run("audit", "export", "2", "--forbund", "nnv-skane", "--format", fmt,
                   "-o", str(out))
    assert exported.exit_code == 0, exported.output
    return out, exported.output.strip().split(":")[-1]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_without_a_head_the_chain_is_unanchored_and_a_forgery_passes_only_that_far(
        run, database_url: str, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _finished_history(run, database_url)
    out, head = export(run, tmp_path, fmt)
    unanchored = run("audit", "verify", str(out))
    assert unanchored.exit_code == 3, unanchored.output
    assert "not anchored" in unanchored.output and "--head" in unanchored.output
    assert run("audit", "verify", str(out), "--head", head).exit_code == 0
    forged = rehashed(parse(out.read_text(encoding="utf-8")))
    out.write_text(to_json(forged) if fmt == "json" else to_csv(forged), encoding="utf-8")
    blind = run("audit", "verify", str(out))  # before: exit 0, "16 events verify"
    assert blind.exit_code == 3 and "not anchored" in blind.output
    caught = run("audit", "verify", str(out), "--head", head)
    assert caught.exit_code == 1 and "not at the expected" in caught.output
    assert run("audit", "verify", str(out), "--head", f"16:{head}").exit_code == 1


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_signed_export_is_anchored_by_the_key(
        run, database_url: str, tmp_path: Path, fmt: str,  # type: ignore[no-untyped-def]  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    _finished_history(run, database_url)
    monkeypatch.setenv("FINSAM_AUDIT_KEY", KEY)
    out, _ = export(run, tmp_path, fmt)
    signed = run("audit", "verify", str(out))
    assert signed.exit_code == 0, signed.output
    assert "signed with FINSAM_AUDIT_KEY" in signed.output
    original = out.read_text(encoding="utf-8")
    forged = rehashed(parse(original))
    out.write_text(to_json(forged) if fmt == "json" else to_csv(forged), encoding="utf-8")
    caught = run("audit", "verify", str(out))
    assert caught.exit_code == 1 and "signature" in caught.output
    out.write_text(original, encoding="utf-8")
    monkeypatch.setenv("FINSAM_AUDIT_KEY", "another key")
    assert run("audit", "verify", str(out)).exit_code == 1
    monkeypatch.delenv("FINSAM_AUDIT_KEY")
    keyless = run("audit", "verify", str(out))
    assert keyless.exit_code == 3 and "FINSAM_AUDIT_KEY" in keyless.output


def test_the_auditors_download_is_signed_when_the_app_has_the_key(
        app, browser: Browser, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from . import test_processes as walks
    from .walk import Desk

    walks.test_esf_ansokan_avslagen(Desk(database_url))
    app.config["AUDIT_KEY"] = KEY
    browser.login("auditor")
    for fmt in ("json", "csv"):
        document = parse(browser.get(f"/audit/instances/2/export.{fmt}").get_data(as_text=True))
        check = check_export(document, key=KEY.encode())
        assert (check.problems, check.anchored_by) == ([], "signature")
        assert check_export(document).anchored_by is None
        assert check_export(rehashed(document), key=KEY.encode()).problems != []
