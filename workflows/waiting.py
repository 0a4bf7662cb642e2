"""Where cases wait (issue 19): on a process's diagram, per step, how many running cases of the
förbund stand there and how long they have waited (the median, in days), for the cases started
in a period. For the kansli, which follows every case up, and the designer, who sees where a
process gets stuck; both see figures only, no case (`policy.WAITING`).

A case counts once per step however many parties' tasks it has open there, with its longest
wait; the diagram is the förbund's newest version of the process, and a step that only older
versions have is listed beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from statistics import median

from sqlalchemy import select

from engine import HumanTask, Instance, NotFound, diagram_elements, render_svg

from . import policy
from .catalogue import PROCESS_NAMES
from .parties import Capacity
from .system import Finsam

# Median days waiting → heat (1 light … 4 dark), as the legend on the page says.
HEAT_LIMITS = (7, 30, 90)


@dataclass(frozen=True)
class Spot:
    """One step where cases wait."""

    bpmn_id: str
    name: str
    cases: int
    median_days: float
    heat: int
    drawn: bool  # on the newest version's diagram


@dataclass(frozen=True)
class WaitingMap:
    """The figures of one process for one förbund and period."""

    process_id: str
    process_name: str
    version: int
    spots: list[Spot]
    started_from: date | None
    started_to: date | None

    @property
    def cases(self) -> int:
        """Running cases with an open step (a case waiting at two steps counts at both)."""
        return sum(s.cases for s in self.spots)


def heat(days: float) -> int:
    """1 for under a week, 2 under a month, 3 under a quarter, 4 beyond."""
    return 1 + sum(days >= limit for limit in HEAT_LIMITS)


def processes(finsam: Finsam, capacity: Capacity) -> dict[str, str]:
    """The processes (id → name) the capacity may see the waiting of: those deployed in its
    förbund whose definition it may read."""
    policy.require(capacity, policy.WAITING)
    deployed = {v.process_id for v in finsam.engine.spec_versions(capacity.forbund)}
    return {pid: PROCESS_NAMES.get(pid, pid) for pid in sorted(deployed)
            if policy.sees_definition(capacity, pid)}


def where_cases_wait(finsam: Finsam, capacity: Capacity, process_id: str,
                     started_from: date | None = None, started_to: date | None = None
                     ) -> WaitingMap:
    """The waiting of `process_id`'s running cases started in the period (both ends included).
    Raises Forbidden without the ability, NotFound for a process the capacity may not see."""
    names = processes(finsam, capacity)
    if process_id not in names:
        raise NotFound(f"processen {process_id} finns inte")
    newest = finsam.engine.spec_versions(capacity.forbund, process_id)[0]
    query = (select(HumanTask.bpmn_id, HumanTask.name, HumanTask.instance_id,
                    HumanTask.created_at)
             .join(Instance, Instance.id == HumanTask.instance_id)
             .where(Instance.tenant == capacity.forbund, Instance.process_id == process_id,
                    Instance.status == "running", HumanTask.state == "open"))
    if started_from is not None:
        query = query.where(Instance.created_at >= datetime.combine(started_from, time(), UTC))
    if started_to is not None:
        query = query.where(Instance.created_at < datetime.combine(
            started_to, time.max, UTC))
    now = finsam.engine.clock()
    waits: dict[str, dict[int, float]] = {}
    step_names: dict[str, str] = {}
    with finsam.db.read() as session:
        for bpmn_id, name, instance_id, created_at in session.execute(query):
            days = max((now - created_at).total_seconds() / 86400, 0.0)
            per_case = waits.setdefault(bpmn_id, {})
            per_case[instance_id] = max(days, per_case.get(instance_id, 0.0))
            step_names.setdefault(bpmn_id, name)
    bpmn = finsam.engine.spec_bpmn(capacity.forbund, process_id, newest.version)
    drawn = {element.id for element in diagram_elements(bpmn)}
    spots = [Spot(bpmn_id, step_names[bpmn_id], len(per_case), round(median(per_case.values()), 1),
                  heat(median(per_case.values())), bpmn_id in drawn)
             for bpmn_id, per_case in waits.items()]
    spots.sort(key=lambda s: (-s.cases, -s.median_days, s.name))
    return WaitingMap(process_id, names[process_id], newest.version, spots, started_from,
                      started_to)


def heatmap_svg(finsam: Finsam, capacity: Capacity, figures: WaitingMap) -> str:
    """The newest version's diagram with each step's cases in a badge and its heat as a class."""
    bpmn = finsam.engine.spec_bpmn(capacity.forbund, figures.process_id, figures.version)
    drawn = [s for s in figures.spots if s.drawn]
    return render_svg(bpmn, highlights={s.bpmn_id: [f"heat-{s.heat}"] for s in drawn},
                      counts={s.bpmn_id: s.cases for s in drawn},
                      title=f"{figures.process_name}: var ärenden väntar")
