"""Walking instances through the processes as the demo users do: each step finds the task in the
acting user's own task list and completes it, over a freshly built system (so every step is read
back from the database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine import CompletionResult, InstanceView, TaskView
from workflows import Finsam
from workflows.users import capacities

NEED = {
    "titel": "Knutpunkt för hemmasittare",
    "malgrupp": "Unga vuxna som är hemmasittare och behöver samordnat stöd",
    "inom_finsam_malgrupp": True,
}


class Desk:
    """The demo users at their desks, each acting through the system's public functions."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def system(self) -> Finsam:
        return Finsam(self.url)

    def tasks(self, user: str, instance_id: int | None = None) -> list[TaskView]:
        system = self.system()
        try:
            listed = system.task_list(capacities(system.db, user)[0])
        finally:
            system.close()
        return [t for t in listed if instance_id is None or t.instance_id == instance_id]

    def task(self, user: str, instance_id: int, bpmn_id: str, item: str | None = None) -> TaskView:
        found = [
            t
            for t in self.tasks(user, instance_id)
            if t.bpmn_id == bpmn_id and (item is None or t.item == item)
        ]
        assert len(found) == 1, f"{user} should have one {bpmn_id} task, has {found}"
        return found[0]

    def act(
        self, user: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
        item: str | None = None,
    ) -> CompletionResult:
        task = self.task(user, instance_id, bpmn_id, item)
        system = self.system()
        try:
            return system.complete_task(capacities(system.db, user)[0], task.id, data)
        finally:
            system.close()

    def each_party(
        self, instance_id: int, bpmn_id: str, answers: dict[str, dict[str, Any]]
    ) -> CompletionResult:
        """Every party completes its own instance of a multi-instance task."""
        result = None
        for org, data in answers.items():
            result = self.act(org, instance_id, bpmn_id, data, item=org)
        assert result is not None
        return result

    def start_need(self, user: str, data: dict[str, Any]) -> CompletionResult:
        system = self.system()
        try:
            return system.start_need(capacities(system.db, user)[0], data)
        finally:
            system.close()

    def need(
        self, parter: list[str], form: str, user: str = "angelholm", **extra: Any
    ) -> tuple[CompletionResult, dict[str, InstanceView]]:
        """Start a need and identify it with financing form `form`; return the result and the
        route instances it started, by process id."""
        start = self.start_need(user, {"titel": NEED["titel"]})
        data = {**NEED, "parter": parter, "finansieringsform": form, **extra}
        result = self.act(user, start.instance.id, "identifiera_behov", data)
        system = self.system()
        try:  # every route started, also those the acting member is no party of
            started = system.engine.list_instances(result.instance.tenant,
                                                   parent_id=result.instance.id)
        finally:
            system.close()
        return result, {i.process_id: i for i in started}

    def instance(self, user: str, instance_id: int) -> InstanceView:
        system = self.system()
        try:
            return system.instance(capacities(system.db, user)[0], instance_id)
        finally:
            system.close()


def report_every_year(desk: Any, finsam: Finsam, instance_id: int, first_year: int,
                      answers: list[dict[str, Any]], user: str = "angelholm") -> Any:
    """A granted insats's yearly participants (issue 17): for each year from `first_year`, the
    worker fires the yearly timer on 1 February after it (the timer's date is the board's
    period's, whatever the system's clock says) and `user`, the processägare, sends that year's
    answer through `desk`. Returns the last completion."""
    result = None
    for year, answer in enumerate(answers, start=first_year):
        assert finsam.engine.fire_due_timers(datetime(year + 1, 2, 1, tzinfo=UTC)) >= 1
        result = desk.act(user, instance_id, "rapportera_deltagare", answer)
    return result
