"""Who may see and do what in finsam-flow: the one place that decides.

Every view, API route, CLI command a user runs, report and the worker ask these functions;
nothing else decides. Everything is an allow-list: a role has the abilities listed in `ABILITIES`
and nothing else; the styrelse reads the fields in `catalogue.STYRELSE_FIELDS` and nothing else.

The three promises, and where each holds:
- ESF+ never reaches the styrelse (R-S2): `sees_process`/`sees_instance` (only Finsam instances),
  `visible_data`/`visible_event` (an allow-list of fields), `grants` (its tasks only in
  `STYRELSE_PROCESSES`), `styrelse_may_work_in` (deploy rule and assignment), `report_sections`.
- Only the parties of a need act on it: `grants` narrow a member organisation to instances whose
  `parter` holds it (outside the processes the whole beredningsgrupp shares); the engine checks
  the same grants inside the instance's lock, and the task list, tab counts and mail read them.
- One förbund never touches another: every check starts with the capacity's förbund (`tenant`).

To add a rule: add the ability or the field here, ask it where the thing happens, and the
generated tests (`tests/test_policy_matrix.py`) cover it for every route and role.

The package is that one place, in four rooms that import downwards only: `abilities` (what
each role may do at all), `cases` (which cases, fields and events it sees), `tasks` (grants,
actions on a task, who hears of it, where the styrelse may work) and `report` (the follow-up).
Callers import the package (`from workflows import policy`) and never a room.
"""

from __future__ import annotations

from .abilities import (
    ABILITIES,
    ADMINISTER,
    ANNOTATE,
    AUDIT,
    CASES,
    DESIGN,
    ESCALATIONS,
    FOUND,
    LINKS,
    NATIONAL,
    OPERATOR_ROLES,
    READ_ALL,
    REFUSALS,
    REPORT,
    REPORT_CASES,
    REPORT_ESF,
    START_NEED,
    WAITING,
    WORK,
    WRITES,
    given_by_admin,
    may,
    nav,
    owns_draft,
    require,
)
from .cases import (
    is_esf,
    may_annotate,
    require_annotate,
    sees_definition,
    sees_instance,
    sees_links,
    sees_process,
    visible_data,
    visible_event,
    visible_events,
    visible_field,
)
from .report import opens_report_instances, report_forbunds, report_lists_cases, report_sections
from .tasks import (
    TaskActions,
    actor,
    grants,
    hears_of,
    hears_of_escalation,
    may_act,
    may_receive,
    may_stand_in,
    may_start,
    sees_task,
    stands_in_for,
    styrelse_may_work_in,
    task_actions,
)

__all__ = [
    "ABILITIES", "ADMINISTER", "ANNOTATE", "AUDIT", "CASES", "DESIGN", "ESCALATIONS", "FOUND",
    "LINKS", "NATIONAL", "OPERATOR_ROLES", "READ_ALL", "REFUSALS", "REPORT", "REPORT_CASES",
    "REPORT_ESF", "START_NEED", "WAITING", "WORK", "WRITES", "TaskActions", "actor", "grants",
    "hears_of", "hears_of_escalation", "given_by_admin", "is_esf", "may", "may_act",
    "may_annotate", "may_receive", "may_stand_in", "may_start", "nav", "opens_report_instances",
    "owns_draft", "report_forbunds", "report_lists_cases", "report_sections", "require",
    "require_annotate", "sees_definition", "sees_instance", "sees_links", "sees_process",
    "sees_task", "stands_in_for", "styrelse_may_work_in", "task_actions", "visible_data",
    "visible_event", "visible_events", "visible_field",
]
