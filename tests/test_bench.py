"""Each benchmark runs once at a small size, so that it keeps working (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("module", "args"), [
    ("bench.replay", ["--instances", "1"]),
    ("bench.report", ["--instances", "60", "--engine-instances", "20", "--runs", "2"]),
])
def test_benchmark_runs_small(module: str, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("summary:")
