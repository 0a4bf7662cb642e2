"""The engine's own value types: what its public functions take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.base.errors import Problem


@dataclass(frozen=True)
class Grant:
    """The right to see and act on the open human tasks assigned to `group`.

    `processes` narrows it to instances of those processes (None: any process). `where` narrows
    it to instances whose variable `where[0]` holds `where[1]` (equals it, or is a list containing
    it); the task list reads that variable from `instance_attribute`, so it must be one the hooks
    index for the process, and a process that does not index it grants nothing. One definition,
    two readings: `allows` (inside the lock, on the instance's data) and the task list's SQL
    (`engine/store/inbox.py`), which tests hold equal.
    """

    group: str
    processes: frozenset[str] | None = None
    where: tuple[str, str] | None = None

    def allows(self, assignee: str, process_id: str, data: dict[str, Any]) -> bool:
        """Whether this grant covers a task of `assignee` in an instance of `process_id`."""
        if assignee != self.group:
            return False
        if self.processes is not None and process_id not in self.processes:
            return False
        if self.where is None:
            return True
        key, wanted = self.where
        value = data.get(key)
        return value == wanted or (isinstance(value, list) and wanted in value)


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which capacity, on which human tasks of which tenant.

    `grants` say which assignees' tasks the actor may see and act on (and where); `acting_as` is
    how the history records the capacity (e.g. "fk (representant)").
    """

    username: str
    tenant: str
    acting_as: str
    grants: tuple[Grant, ...] = ()
    can_write: bool = True
    # Usernames this actor stands in for now: a task one of them holds (claimed) the actor may
    # complete, release or hand on, recorded as "<acting_as> för <username>".
    stands_in_for: frozenset[str] = frozenset()

    @classmethod
    def of_groups(cls, username: str, tenant: str, acting_as: str, groups: frozenset[str],
                  can_write: bool = True) -> Actor:
        """An actor granted every task of each of `groups`, anywhere."""
        return cls(username, tenant, acting_as, tuple(Grant(g) for g in sorted(groups)),
                   can_write)

    @property
    def groups(self) -> frozenset[str]:
        """Every assignee key some grant names."""
        return frozenset(grant.group for grant in self.grants)

    def may_act_on(self, assignee: str, process_id: str, data: dict[str, Any]) -> bool:
        """Whether some grant covers a task of `assignee` in an instance with `data`."""
        return any(grant.allows(assignee, process_id, data) for grant in self.grants)

    def holds(self, claimed_by: str | None) -> bool:
        """Whether a task claimed by `claimed_by` is the actor's to complete, release or hand
        on: its own, or one held by someone it stands in for."""
        return claimed_by is not None and (
            claimed_by == self.username or claimed_by in self.stands_in_for)

    def acting_as_for(self, claimed_by: str | None) -> str:
        """How the history records this actor on a task held by `claimed_by`: "X för Y" when it
        acts as a stand-in."""
        if claimed_by is not None and claimed_by != self.username \
                and claimed_by in self.stands_in_for:
            return f"{self.acting_as} för {claimed_by}"
        return self.acting_as


SYSTEM = "system"  # the worker, starting instances and in `acting_as` of what it does
TIMER = "timer"  # a timer that fired (engine/operations/firing.py)
CLI = "cli"  # a deploy from the command line when no user name is known
# Every name the engine, the worker and the command line record as who acted, in one place:
# never a user's name, so that the history cannot be mistaken (users.check_username refuses them).
RESERVED_ACTORS = frozenset({SYSTEM, TIMER, CLI})


@dataclass(frozen=True)
class TaskView:
    """A human task as the task list shows it."""

    id: int
    instance_id: int
    process_id: str
    bpmn_id: str
    name: str
    lane: str | None
    assignee: str
    item: str | None
    title: str
    state: str
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None


@dataclass(frozen=True)
class TaskDetail:
    """One task with its form, instructions and the data the form shows."""

    task: TaskView
    instructions: str
    form_schema: dict[str, Any] | None
    data: dict[str, Any]
    instance_status: str


@dataclass(frozen=True)
class InstanceView:
    """An instance's status, outcome and current data."""

    id: int
    tenant: str
    process_id: str
    version: int
    status: str
    outcome: str | None
    title: str
    parent_id: int | None
    data: dict[str, Any]
    created_at: datetime
    created_by: str
    updated_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class CompletionResult:
    """What a completion leads to: the instance now, the tasks now open, instances it started."""

    instance: InstanceView
    open_tasks: list[TaskView]
    started: list[InstanceView] = field(default_factory=list)


@dataclass(frozen=True)
class EventView:
    """One entry of an instance's history."""

    instance_id: int
    seq: int
    at: datetime
    actor: str
    acting_as: str
    kind: str
    task: str | None
    task_guid: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str
    # Set when retention purged the event's free text: the hash its purged content chains to
    # (the event keeps `hash`, so the chain still links; `operations.redaction`).
    purged_hash: str | None = None


@dataclass(frozen=True)
class DeployResult:
    """The version a deploy produced, or found already deployed (`created` False)."""

    process_id: str
    version: int
    content_hash: str
    created: bool
    tenant: str = ""


@dataclass(frozen=True)
class SpecVersionView:
    """A deployed version of a process of one tenant; whether its owner published it for other
    tenants to adopt, and where it came from if it was adopted."""

    process_id: str
    version: int
    content_hash: str
    name: str | None
    filename: str
    deployed_at: datetime
    deployed_by: str
    tenant: str = ""
    published_at: datetime | None = None
    published_by: str | None = None
    adopted_from_tenant: str | None = None
    adopted_from_version: int | None = None


@dataclass(frozen=True)
class StartRequest:
    """An instance the domain asks to start, linked to the instance that led to it."""

    process_id: str
    data: dict[str, Any]


__all__ = [
    "Actor",
    "CompletionResult",
    "DeployResult",
    "EventView",
    "Grant",
    "InstanceView",
    "Problem",
    "SpecVersionView",
    "StartRequest",
    "TaskDetail",
    "TaskView",
]
