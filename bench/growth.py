"""Growth: an ESF+ instance that loops back through `ej_overens` many times.

    .venv/bin/python -m bench.growth [--loops 50] [--instances 3] [--database URL]

Each loop is the eight completions from the project idea to the agreement (utforma_projektide,
three förankra_projektide, three mandat_projektagarskap, overenskommelse = ej_overens). Prints
the stored state's size (`len(instance.state)`) and the time per completion at the first, the
middle and the last loop (times: the median over that loop and its neighbours), then verifies the
instances (chain, ledger and a replay of every loop).
Targets: at most linear state growth (the growth per loop in the second half within 1.25 × the
first half's, or a state that stays within 1.25 × its size after the first loop) and time per
completion at the last loop ≤ 1.5 × the first; the verification finds nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from sqlalchemy import select

from engine.store.models import Instance
from workflows.demo import DEMO_FORBUND

from .drive import ESF_PARTIES, Driver, demo_system


def one_loop(driver: Driver, iid: int) -> list[float]:
    """Run one ej_overens loop; return its completions' seconds."""
    before = len(driver.completion_seconds)
    driver.act("af", iid, "utforma_projektide", {"projektide": "x", "syfte": "x", "mal": "x"})
    driver.each(iid, "forankra_projektide", {o: {"forankrad": True} for o in ESF_PARTIES})
    driver.each(iid, "mandat_projektagarskap", {o: {
        "mandat": True, "vill_vara_projektagare": o == "af", "medfinansierar": True}
        for o in ESF_PARTIES})
    driver.act("af", iid, "overenskommelse", {"overenskommelse": "ej_overens",
                                              "skal": "Idén arbetas om"})
    return driver.completion_seconds[before:]


def state_size(driver: Driver, iid: int) -> int:
    with driver.finsam.db.read() as session:
        return len(session.scalar(select(Instance.state).where(Instance.id == iid)) or "")


def window(n: int, loops: int) -> range:
    """Loop `n` and its neighbours: three loops within 1..loops."""
    first = min(max(1, n - 1), max(1, loops - 2))
    return range(first, min(loops, first + 2) + 1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=50, help="ej_overens loops (default 50)")
    parser.add_argument("--instances", type=int, default=3,
                        help="instances looped side by side; figures are their medians")
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    args = parser.parse_args(argv)
    loops = max(2, args.loops)
    # seconds[loop] holds every completion of that loop over all instances; sizes[loop] each
    # instance's state size after it.
    seconds: list[list[float]] = [[] for _ in range(loops + 1)]
    sizes: list[list[int]] = [[] for _ in range(loops + 1)]
    with demo_system(args.database) as finsam:
        driver = Driver(finsam)
        iids = [driver.need(ESF_PARTIES, "esf_plus")["esf_plus"] for _ in range(args.instances)]
        sizes[0] = [state_size(driver, iid) for iid in iids]
        for loop in range(1, loops + 1):
            for iid in iids:
                seconds[loop] += one_loop(driver, iid)
                sizes[loop].append(state_size(driver, iid))
        started = time.perf_counter()
        results, others = finsam.engine.verify(DEMO_FORBUND[0], iids)
        verify_seconds = time.perf_counter() - started
    middle = loops // 2
    size = {n: statistics.median(sizes[n]) for n in (0, 1, middle, loops)}
    # Time per completion over a window of three loops around each point (one loop is only
    # 8 completions per instance: a single WAL checkpoint or scheduler hiccup would dominate).
    ms = {n: statistics.median(t for k in window(n, loops) for t in seconds[k]) * 1000
          for n in (1, middle, loops)}
    print(f"{'loop':>6}{'state bytes':>13}{'bytes/loop':>12}{'ms/completion':>15}")
    for n in (1, middle, loops):
        print(f"{n:>6}{size[n]:>13.0f}{(size[n] - size[0]) / n:>12.0f}{ms[n]:>15.2f}")
    findings = sum(len(r.findings) for r in results) + len(others)
    replayed = sum(r.steps_replayed for r in results)
    print(f"verified {len(results)} instances ({replayed} events replayed) in "
          f"{verify_seconds:.2f} s: {findings} findings")
    first_half = (size[middle] - size[1]) / max(1, middle - 1)
    second_half = (size[loops] - size[middle]) / max(1, loops - middle)
    bounded = size[loops] <= 1.25 * size[1]
    shape = (f"bounded, ×{size[loops] / size[1]:.2f} of loop 1" if bounded else
             f"growth per loop, 2nd half / 1st half "
             f"{second_half / first_half if first_half > 0 else float('inf'):.2f}")
    slowdown = ms[loops] / ms[1]
    backend = (args.database or "sqlite").split(":")[0]
    print(f"summary: {backend}: {loops} loops: state {size[1] / 1024:.1f} → "
          f"{size[loops] / 1024:.1f} KiB ({shape}, target at most linear); time per completion "
          f"{ms[1]:.1f} → {ms[loops]:.1f} ms (×{slowdown:.2f}, target ≤ 1.5); "
          f"replay: {findings} findings")
    return 0 if findings == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
