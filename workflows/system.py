"""The finsam-flow system: the database, the engine with the domain's hooks, and what users do.

Every function that acts takes the caller's `Capacity` and checks, on the server side, that the
capacity may do it. Views and the CLI call these; they never reach past them into the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import (
    CompletionResult,
    Database,
    DeployResult,
    Engine,
    EventView,
    Finding,
    Forbidden,
    InstanceView,
    NotFound,
    ParsedSpec,
    TaskDetail,
    TaskView,
    Verification,
    read_source,
    utc_now,
)

from . import deadlines, directory, handover, policy, schema, tenants
from .case_retention import check_redactions
from .casefiles.checks import check_case_files
from .casefiles.files import CaseFiles
from .casefiles.store import DocumentStore, store_from_env
from .catalogue import NEED_PROCESS
from .hooks import FinsamHooks
from .parties import Capacity, forbund_slugs, org_names
from .task_search import TaskFilters, task_condition
from .tenants import bundled_diagrams, diagrams_dir
from .users import display_names, named_in


class Finsam:
    """One finsam-flow system over one database."""

    def __init__(self, database_url: str, clock: Callable[[], datetime] = utc_now,
                 documents: DocumentStore | None = None) -> None:
        self.db = Database(database_url)
        self.engine = Engine(self.db, FinsamHooks(self.db, clock=clock), clock)
        # Notes and documents of cases (`FINSAM_DOCUMENT_DIR`: documents in that folder).
        self.case_files = CaseFiles(self.engine, documents or store_from_env())

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()

    # -- set-up ------------------------------------------------------------------------------

    def init(self, deployed_by: str = "finsam init") -> list[DeployResult]:
        """Create or upgrade the schema and deploy the bundled diagrams to every förbund (each
        unchanged file is no new version there). Idempotent."""
        schema.upgrade(self.db)
        return self.deploy_files(bundled_diagrams(), deployed_by)

    def lint_files(self, paths: Iterable[Path]) -> list[ParsedSpec]:
        """Validate BPMN files; raise SpecError with every problem of the first bad file."""
        return [self.engine.lint(read_source(path)) for path in paths]

    def deploy_files(self, paths: Iterable[Path], deployed_by: str,
                     forbunds: Iterable[str] | None = None) -> list[DeployResult]:
        """Validate BPMN files, then deploy them to each of `forbunds` (every förbund when
        None), each as a new version there unless unchanged there."""
        paths = list(paths)
        self.lint_files(paths)
        every = self.forbunds()
        chosen = every if forbunds is None else list(forbunds)
        for slug in chosen:
            tenants.require_forbund(every, slug)
        return [result for slug in chosen
                for result in tenants.deploy_bundled(self.engine, slug, paths, deployed_by)]

    # -- acting ------------------------------------------------------------------------------

    def start_need(self, capacity: Capacity, data: dict[str, Any]) -> CompletionResult:
        """Record a need in the beredningsgrupp: start a `behovsanalys` instance."""
        return self.start_instance(capacity, NEED_PROCESS, data)

    def start_instance(
        self, capacity: Capacity, process_id: str, data: dict[str, Any]
    ) -> CompletionResult:
        """Start an instance of `process_id` (the policy allows only needs, by the
        beredningsgrupp's members and the kansli)."""
        if not policy.may_start(capacity, process_id):
            policy.require(capacity, policy.START_NEED)
            if not self.engine.spec_versions(capacity.forbund, process_id):
                raise NotFound(f"ingen process '{process_id}' är driftsatt")
            raise Forbidden("ett ärende i den här processen startas inte av en person")
        return self._visible_result(capacity, self.engine.start_instance(
            policy.actor(capacity), process_id, data))

    def complete_task(self, capacity: Capacity, task_id: int, data: Any) -> CompletionResult:
        """Complete a task the capacity may act on (the engine asks the policy's grants inside
        the instance's lock)."""
        return self._visible_result(capacity, self.engine.complete_task(
            policy.actor(capacity), task_id, data))

    def claim_task(self, capacity: Capacity, task_id: int) -> None:
        """Take a task for yourself."""
        self.engine.claim_task(policy.actor(capacity), task_id)

    def unclaim_task(self, capacity: Capacity, task_id: int) -> None:
        """Release a task you hold (or one held by someone you stand in for)."""
        self.engine.unclaim_task(policy.actor(capacity), task_id)

    def handover_candidates(self, capacity: Capacity, task_id: int) -> list[Capacity]:
        """The colleagues the capacity may hand the task to (`policy.may_receive`); none when it
        does not hold the task. NotFound when it may not see the task."""
        task, instance = self._task_and_instance(capacity, task_id)
        return handover.candidates(self.db, capacity, task, instance, self.engine.clock())

    def hand_over_task(self, capacity: Capacity, task_id: int, username: str) -> Capacity:
        """Hand a task the capacity holds to the colleague `username`, who then holds it and is
        told by mail; return the colleague's capacity. Raises Forbidden when the policy does not
        let them receive it, Conflict when the capacity does not hold it."""
        task, instance = self._task_and_instance(capacity, task_id)
        receiver = handover.receiver(self.db, capacity, task, instance, username,
                                     self.engine.clock())
        self.engine.hand_over_task(policy.actor(capacity), task_id, policy.actor(receiver))
        return receiver

    def _task_and_instance(self, capacity: Capacity, task_id: int
                           ) -> tuple[TaskView, InstanceView]:
        task = self.task(capacity, task_id).task
        return task, self.engine.get_instance(capacity.forbund, task.instance_id)

    def _visible_result(self, capacity: Capacity, result: CompletionResult) -> CompletionResult:
        """A step's result as the capacity may see it: the instance and the ones it started
        only if visible to it (a step may end what the caller sees, e.g. a need starting a route
        the caller is no party of)."""
        return CompletionResult(
            instance=result.instance,
            open_tasks=result.open_tasks if policy.sees_instance(capacity, result.instance)
            else [],
            started=[i for i in result.started if policy.sees_instance(capacity, i)],
        )

    # -- reading -----------------------------------------------------------------------------

    def task_list(
        self,
        capacity: Capacity,
        process_id: str | None = None,
        claimed_by_me: bool = False,
        sort: str = "new",
        filters: TaskFilters | None = None,
    ) -> list[TaskView]:
        """The open tasks the capacity must act on now, newest first (one indexed query), or
        with `sort="due"` the earliest due date first; `filters` search and narrow it in the
        same statement (`task_search`)."""
        grants = policy.grants(capacity)
        if not grants:
            return []
        tasks = self.engine.list_tasks(
            capacity.forbund,
            grants,
            process_id=process_id,
            claimed_by=(capacity.actor_id, *sorted(policy.stands_in_for(capacity)))
            if claimed_by_me else None,
            where=task_condition(self.db, filters, self.engine.clock()) if filters else None,
        )
        return deadlines.by_due(tasks) if sort == "due" else tasks

    def is_overdue(self, task: TaskView) -> bool:
        """Whether the task's due date has passed on the system's clock."""
        return deadlines.is_overdue(task, self.engine.clock())

    def task(self, capacity: Capacity, task_id: int) -> TaskDetail:
        """One task, for those the policy lets open it; to anyone else it does not exist
        (NotFound, so that its existence is not revealed)."""
        try:
            detail = self.engine.get_task(capacity.forbund, task_id)
            instance = self.engine.get_instance(capacity.forbund, detail.task.instance_id)
        except NotFound:
            raise NotFound(f"uppgift {task_id} finns inte") from None
        if not policy.sees_task(capacity, detail.task, instance):
            raise NotFound(f"uppgift {task_id} finns inte")
        return TaskDetail(
            task=detail.task,
            instructions=detail.instructions,
            form_schema=detail.form_schema,
            data=policy.visible_data(capacity, instance) | {
                k: v for k, v in detail.data.items() if k not in instance.data},
            instance_status=detail.instance_status,
        )

    def instance(self, capacity: Capacity, instance_id: int) -> InstanceView:
        """One instance, if the capacity may see it."""
        try:
            instance = self.engine.get_instance(capacity.forbund, instance_id)
        except NotFound:
            raise NotFound(f"ärende {instance_id} finns inte") from None
        if not policy.sees_instance(capacity, instance):
            raise NotFound(f"ärende {instance_id} finns inte")
        return instance

    def instances(
        self, capacity: Capacity, process_id: str | None = None, status: str | None = None
    ) -> list[InstanceView]:
        """The instances the capacity may see."""
        if not policy.may(capacity, policy.CASES):
            return []
        if process_id is not None and not policy.sees_process(capacity, process_id):
            return []
        rows = self.engine.list_instances(capacity.forbund, process_id=process_id, status=status)
        return [row for row in rows if policy.sees_instance(capacity, row)]

    def open_tasks(self, capacity: Capacity, instance: InstanceView) -> list[TaskView]:
        """The open tasks of an instance the capacity sees (names and whom they wait for)."""
        if not policy.sees_instance(capacity, instance):
            return []
        return self.engine.open_tasks_of(instance.id)

    def links(self, capacity: Capacity, instance: InstanceView) -> list[InstanceView]:
        """The need an instance came from and the route instances it started, as visible."""
        if not policy.sees_links(capacity):
            return []
        related = self.engine.list_instances(capacity.forbund, parent_id=instance.id)
        if instance.parent_id is not None:
            related = self.engine.list_instances(
                capacity.forbund, ids=[instance.parent_id]
            ) + related
        return [row for row in related if policy.sees_instance(capacity, row)]

    def events(self, capacity: Capacity, instance_id: int) -> list[EventView]:
        """An instance's history as the capacity may read it, if it may see the instance."""
        instance = self.instance(capacity, instance_id)
        return policy.visible_events(capacity, instance,
                                     self.engine.events(capacity.forbund, instance_id))

    def org_names(self, forbund: str) -> dict[str, str]:
        """Display names of the förbund's organisations and bodies, by slug."""
        return org_names(self.db, forbund)

    def visible_data(self, capacity: Capacity, instance: InstanceView) -> dict[str, Any]:
        """The instance's data as this capacity may read it (`policy.visible_data`)."""
        return policy.visible_data(capacity, instance)

    def forms_of(self, capacity: Capacity, instance: InstanceView) -> list[dict[str, Any]]:
        """The form schemas of the instance's spec version (for labelling its data), then those
        of the need it came from: a route carries the need's answers, labelled by its forms."""
        schemas = self.engine.forms_of_instance(capacity.forbund, instance.id)
        if instance.parent_id is not None:
            schemas = schemas + self.engine.forms_of_instance(capacity.forbund, instance.parent_id)
        return schemas

    def people_names(self, keys: set[str]) -> dict[str, str]:
        """Display names by what the history recorded (an actor id, or the username of an event
        older than the directory); "borttagen person" for an erased person."""
        return display_names(self.db, keys)

    def people_in(self, events: Iterable[EventView], claimed: Iterable[str | None] = ()
                  ) -> dict[str, str]:
        """Display names of everyone a history names: who acted, for whom a stand-in acted,
        to whom a task was handed, who holds the `claimed` tasks."""
        return self.people_names(named_in(events, claimed))

    def usernames(self, actor_ids: set[str]) -> dict[str, str]:
        """The usernames of the accounts behind actor ids (the API names holders by them)."""
        return directory.usernames(self.db, actor_ids)

    def need_form(self, capacity: Capacity) -> dict[str, Any]:
        """The start form of a need, from the capacity's förbund's newest version."""
        schema = self.engine.start_form(capacity.forbund, NEED_PROCESS)
        if schema is None:
            raise NotFound("the need process has no start form")
        return schema

    def task_counts(self, capacity: Capacity) -> dict[str, int]:
        """Open tasks per process for the task list's tabs (the same grants as the list)."""
        grants = policy.grants(capacity)
        if not grants:
            return {}
        return self.engine.count_tasks(capacity.forbund, grants)

    def end_event_names(self, instance: InstanceView) -> dict[str, str]:
        """The names of the end events of the version an instance runs on, by id."""
        return self.engine.end_events_of(instance.tenant, instance.id)

    # -- audit -------------------------------------------------------------------------------

    def verify(
        self,
        forbund: str,
        instance_ids: Iterable[int] | None = None,
        progress: Callable[[int], None] | None = None,
        expected_head: tuple[int, str] | None = None,
    ) -> tuple[list[Verification], list[Finding]]:
        """Verify the history of a förbund's instances (chains, ledger, replay) and the notes
        and documents their histories vouch for (`casefiles.checks`)."""
        results, other = self.engine.verify(forbund, instance_ids, progress, expected_head)
        files = check_case_files(self.db, self.case_files.store, forbund,
                                 [r.instance_id for r in results])
        purged = check_redactions(self.db, forbund, [r.instance_id for r in results])
        for result in results:
            result.findings.extend(files.get(result.instance_id, []))
            result.findings.extend(purged.get(result.instance_id, []))
        return results, other

    def forbunds(self) -> list[str]:
        """Every förbund's slug."""
        return sorted(forbund_slugs(self.db))


# The bundled diagrams live with the förbund they are deployed to (`tenants`); named here too,
# since every entry point (the CLI, the tests, the benchmarks) starts from the system.
__all__ = ["Finsam", "bundled_diagrams", "diagrams_dir"]
