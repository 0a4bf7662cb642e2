"""Each benchmark runs once at a small size, so that it keeps working (no timing is asserted)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("module", "args"), [
    ("bench.replay", ["--instances", "1"]),
    ("bench.report", ["--instances", "60", "--engine-instances", "20", "--runs", "2"]),
    ("bench.reliability", ["--threads", "8", "--needs", "2", "--kills", "1"]),
    ("bench.overhead", ["--instances", "1"]),
    ("bench.tasklist", ["--sizes", "20", "60", "--engine-instances", "10", "--runs", "2"]),
    ("bench.overview", ["--sizes", "20", "60", "--engine-instances", "10", "--runs", "2",
                        "--repeat", "1"]),
    ("bench.growth", ["--loops", "2", "--instances", "1"]),
    ("bench.national", ["--forbund", "3", "--years", "2", "--engine-cycles", "1",
                        "--open-needs", "2", "--runs", "2"]),
    ("bench.national", ["--forbund", "3", "--years", "2", "--engine-cycles", "1",
                        "--open-needs", "2", "--runs", "2", "--report-only"]),
    ("bench.http", ["--instances", "2", "--workers", "2", "--clients", "3"]),
])
def test_benchmark_runs_small(module: str, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("summary:")


def test_a_timing_runs_with_the_living_heap_frozen() -> None:
    """A full collection of the benchmark's heap (50-300 ms) would fall on one timed call, the
    same in every run: what lives is frozen while `timed` runs, and only then."""
    from bench.tasklist import timed

    frozen: list[int] = []
    timed(lambda: frozen.append(gc.get_freeze_count()), 3)
    assert len(frozen) == 4 and min(frozen) > 0
    assert gc.get_freeze_count() == 0


def test_http_benchmark_skips_without_postgres() -> None:
    env = {k: v for k, v in os.environ.items() if k != "FINSAM_BENCH_DATABASE_URL"}
    result = subprocess.run([sys.executable, "-m", "bench.http"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("summary: skipped")


def test_http_benchmark_runs_at_national_scale_on_postgresql(
        own_postgres: Callable[[], str]) -> None:
    # Through HTTP among a country's rows (issue 21): gunicorn serves while the database holds
    # several förbund's years; every task is completed and nothing fails.
    result = subprocess.run(
        [sys.executable, "-m", "bench.http", "--database", own_postgres(), "--national", "3",
         "--years", "2", "--instances", "2", "--workers", "2", "--clients", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "national: 3 förbund × 2 years:" in result.stdout, result.stdout
    assert "failed requests: 0; tasks left open: 0" in result.stdout, result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("summary: postgresql:")


def test_a_benchmark_database_that_does_not_exist_is_named_with_a_way_onward() -> None:
    # No PostgreSQL traceback: the database's name, the server's reason and how to create it.
    url = os.environ.get("FINSAM_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("FINSAM_TEST_POSTGRES_URL is not set")
    missing = url.rsplit("/", 1)[0] + "/finsam_bench_never_created"
    result = subprocess.run([sys.executable, "-m", "bench.growth", "--loops", "2", "--database",
                             missing], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "'finsam_bench_never_created'" in result.stderr
    assert "CREATE DATABASE finsam_bench_never_created" in result.stderr
