"""After a load: what the database holds against what the clients were told. Nothing lost (every
instance's events are 1..n, every 200 and 201 is in the history), nothing twice (one `completed`
event per task, its row agreeing), and the history verifies (chains, ledger, replay)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from engine.store.models import Event, HumanTask, Instance
from workflows import Finsam
from workflows.models import Person, User

from .load import TENANT, LoadLog


def open_tasks(finsam: Finsam, tenant: str = TENANT) -> int:
    """How many human tasks of `tenant` are open."""
    with finsam.db.read() as session:
        return session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.tenant == tenant, HumanTask.state == "open")) or 0


@dataclass
class HistoryCheck:
    """What the database holds after a load, against what the clients were told."""

    instances: int = 0
    events: int = 0
    completions: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.findings)


def check_history(finsam: Finsam, log: LoadLog, tenant: str = TENANT,
                  verify: bool = True) -> HistoryCheck:
    """Every instance's events are 1..n, each task completed at most once and its row agrees,
    every 200 and 201 the clients got is in the history, and `verify` (chains, ledger, replay)
    finds nothing."""
    check = HistoryCheck()
    with finsam.db.read() as session:
        instances = {i.id: i for i in session.scalars(
            select(Instance).where(Instance.tenant == tenant))}
        events = session.scalars(select(Event).where(Event.tenant == tenant)
                                 .order_by(Event.instance_id, Event.seq)).all()
        rows = {r.id: r for r in session.scalars(
            select(HumanTask).where(HumanTask.tenant == tenant))}
        # The history records people by their pseudonymous ids; the clients know usernames.
        ids = {username: actor_id for username, actor_id in session.execute(
            select(User.username, Person.actor_id).join(Person, Person.user_id == User.id))}
    check.instances, check.events = len(instances), len(events)
    by_instance: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_instance[event.instance_id].append(event)
    for instance_id, instance in instances.items():
        seqs = [e.seq for e in by_instance[instance_id]]
        if seqs != list(range(1, len(seqs) + 1)) or instance.last_seq != len(seqs):
            check.lost.append(f"instance {instance_id}: events {seqs}, head {instance.last_seq}")
    completed = Counter(e.task_guid for e in events if e.kind == "completed")
    check.completions = sum(completed.values())
    check.duplicated += [f"task {guid} completed {n} times" for guid, n in completed.items()
                         if n > 1]
    check.duplicated += [f"task {task_id} answered 200 twice" for task_id in log.completed_twice]
    row_states = {r.task_guid: r.state for r in rows.values()}
    for guid in completed:
        if row_states.get(guid) != "completed":
            check.lost.append(f"task {guid}: completed event, row {row_states.get(guid)}")
    for row in rows.values():
        if row.state == "completed" and completed[row.task_guid] != 1:
            check.lost.append(f"task {row.id}: completed row without its event")
    actors = {(e.task_guid, e.kind, e.actor) for e in events}
    for task_id, username in log.completed.items():
        user = ids.get(username, username)
        row = rows.get(task_id)
        if row is None or row.state != "completed" or row.completed_by != user or \
                (row.task_guid, "completed", user) not in actors:
            check.lost.append(f"task {task_id}: 200 to {user}, but not completed by {user}")
    for task_id, username in log.claimed:
        user = ids.get(username, username)
        row = rows.get(task_id)
        if row is None or (row.task_guid, "claimed", user) not in actors:
            check.lost.append(f"task {task_id}: claim 200 to {user}, but no claimed event")
    for instance_id, username in log.started:
        user = ids.get(username, username)
        first = by_instance.get(instance_id, [])
        if not first or first[0].kind != "started" or first[0].actor != user:
            check.lost.append(f"instance {instance_id}: 201 to {user}, but no started event")
    if verify:
        results, other = finsam.verify(tenant)
        check.findings += [str(f) for r in results for f in r.findings]
        check.findings += [str(f) for f in other]
    return check
