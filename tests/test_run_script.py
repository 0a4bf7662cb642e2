"""`run.py`: `serve` installs only what the app needs; `test` adds the test extras; neither
installs again what the stamp says is there."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[str]]:
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "run_script", module)
    spec.loader.exec_module(module)
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    monkeypatch.setattr(module, "PYTHON", python)
    monkeypatch.setattr(module, "STAMP", tmp_path / "venv" / ".installed")
    installs: list[str] = []
    monkeypatch.setattr(module, "run", lambda command, **_: installs.append(command[-1]))
    return module, installs


def test_serve_installs_the_app_alone_and_test_adds_the_extras(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, installs = load_run(tmp_path, monkeypatch)
    run.ensure_environment(with_tests=False)
    assert installs == ["pip", str(ROOT)]  # no [test]: no pytest, playwright, schemathesis
    run.ensure_environment(with_tests=False)
    assert len(installs) == 2  # stamped: nothing again
    run.ensure_environment(with_tests=True)
    assert installs[2:] == ["pip", f"{ROOT}[test]"]
    run.ensure_environment(with_tests=False)
    run.ensure_environment(with_tests=True)
    assert len(installs) == 4  # the test environment serves too
