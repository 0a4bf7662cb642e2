"""The house's walls: the engine knows no Flask and no domain; the domain knows no web app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["engine", "workflows"])
def test_no_flask_below_the_web_layer(module: str) -> None:
    modules = imported_after(module)
    assert "flask" not in modules
    assert "webui" not in modules


def test_engine_does_not_import_the_domain() -> None:
    assert "workflows" not in imported_after("engine")


@pytest.mark.parametrize("path", sorted((ROOT / "engine").rglob("*.py")))
def test_engine_has_no_finsam_words(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    for word in ("finsam", "förbund", "forbund", "esf", "styrelse", "projektagare"):
        assert word not in text, f"{path.name} mentions '{word}'"
