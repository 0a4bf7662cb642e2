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


def test_import_contracts_hold() -> None:
    # The contracts in pyproject.toml ([tool.importlinter]): the layers, no Flask below webui,
    # only engine's public names above it, SpiffWorkflow and lxml only where listed.
    lint_imports = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "engine").rglob("*.py")))
def test_engine_state_of_a_write_is_typed(path: Path) -> None:
    # A write's state lives in its UnitOfWork (engine/store/unit_of_work.py), not under string keys
    # in session.info; the Engine is composed of functions, not of mixins typed `self: Engine`.
    text = path.read_text(encoding="utf-8")
    assert "session.info" not in text
    assert "self: Engine" not in text


@pytest.mark.parametrize("package", ["engine", "workflows", "webui"])
def test_no_import_cycle(package: str) -> None:
    # Every import inside the package, TYPE_CHECKING ones included, points one way only.
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    cycles = sorted(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert cycles == []


ROOMS = ("base", "specs", "store", "runtime", "history", "operations", "diagram")


@pytest.mark.parametrize("room", ROOMS)
def test_each_room_of_the_engine_says_what_it_owns(room: str) -> None:
    # One paragraph in the room's __init__ (docs/architecture.md lists them as one table).
    import importlib

    module = importlib.import_module(f"engine.{room}")
    assert module.__doc__ and len(module.__doc__.split()) >= 20, room


def test_only_rooms_and_the_facade_at_the_top_of_the_engine() -> None:
    top = sorted(p.name for p in (ROOT / "engine").iterdir()
                 if p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir()))
    assert top == sorted(["__init__.py", "context.py", "service.py", *ROOMS])


@pytest.mark.parametrize("path", sorted(p for package in ("engine", "workflows", "webui", "bench")
                                         for p in (ROOT / package).rglob("*.py")), ids=str)
def test_no_module_is_too_long_to_read(path: Path) -> None:
    # "No module over ~300 lines": the façade's public methods and their docstrings are the
    # longest; 320 is the tolerance, so that a module grows into a new one, not past it.
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 320, f"{path.relative_to(ROOT)} has {lines} lines"
