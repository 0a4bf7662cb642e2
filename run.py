#!/usr/bin/env python3
"""The two commands of the quick start, on any machine with Python 3.11+.

    python3 run.py serve     # the app on an SQLite file with the demo förbund and its history
    python3 run.py test      # the whole test suite
    python3 run.py check     # the static walls: ruff, mypy strict, import-linter's contracts

Each creates `.venv/` and installs the project into it on first use (and again when
pyproject.toml changes): `serve` only what the app needs, `test` and `check` the test tools too.
Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 -- run.py may be started by an older Python
        print("finsam-flow needs Python 3.11 or newer", file=sys.stderr)
        return 2
    command, args = (argv[0], argv[1:]) if argv else ("serve", [])
    if command not in ("serve", "test", "check"):
        print(__doc__)
        return 2
    ensure_environment(with_tests=command in ("test", "check"))
    if command == "serve":
        return serve(args)
    if command == "check":
        return check(args)
    return test(args)


def ensure_environment(with_tests: bool) -> None:
    """Create the virtual environment and install the project: the app's dependencies, and the
    test extras only `with_tests` (the stamp records which were installed)."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() and PYTHON.exists() else []
    if installed[:1] == [wanted] and (not with_tests or "test" in installed[1:]):
        return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    print("Installing finsam-flow into .venv (first run only) ...", flush=True)
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    target = f"{ROOT}[test]" if with_tests else str(ROOT)
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target])
    STAMP.write_text(f"{wanted} test" if with_tests else wanted)


def ensure_node_packages() -> None:
    """Install the pinned npm packages (bpmn-js for the designer's modeler; bpmnlint and
    axe-core for the tests), when Node.js is present."""
    npm = shutil.which("npm")
    if npm is None:
        print("note: Node.js/npm not found; the designer's modeler in the browser (bpmn-js) is "
              "off (designers upload BPMN files instead), and the bpmnlint check and the browser "
              "tests' accessibility checks (axe-core) will be skipped", flush=True)
        return
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".finsam-installed"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == wanted):
        run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=ROOT)
        stamp.write_text(wanted)
    # The modeler's bundle (bpmn-js with the properties panel and finsam-flow's provider), built
    # again when the packages or the sources under webui/assets/modeler change.
    sources = sorted((ROOT / "webui" / "assets" / "modeler").iterdir())
    digest = hashlib.sha256(lock.read_bytes())
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    built = ROOT / "node_modules" / ".finsam" / "built"
    if not (built.exists() and built.read_text() == digest.hexdigest()):
        run([npm, "run", "--silent", "build:modeler"], cwd=ROOT)
        built.write_text(digest.hexdigest())


def serve(args: list[str]) -> int:
    ensure_node_packages()
    finsam = str(BIN / "finsam")
    env = os.environ.copy()
    run([finsam, "demo", "--history"], env=env)
    print("\nLog in at the address below with a username above and the demo password.\n")
    return subprocess.call([finsam, "serve", *args], env=env)


def test(args: list[str]) -> int:
    ensure_node_packages()
    return subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT)


def check(args: list[str]) -> int:
    """Run ruff, mypy (strict, configured in pyproject.toml) and import-linter's contracts; all
    three run, and the exit status is non-zero when any of them fails."""
    tools = [
        ("ruff", [str(BIN / "ruff"), "check", ".", *args]),
        ("mypy", [str(BIN / "mypy")]),
        ("import-linter", [str(BIN / "lint-imports")]),
    ]
    failed = []
    for name, command in tools:
        print(f"== {name}", flush=True)
        if subprocess.call(command, cwd=ROOT) != 0:
            failed.append(name)
    if failed:
        print(f"check failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def run(command: list[str], **kwargs: object) -> None:
    result = subprocess.run(command, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        print(f"failed: {' '.join(command)}", file=sys.stderr)
        sys.exit(result.returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
