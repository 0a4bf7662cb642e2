"""How the Finsam domain plugs into the engine: assignment, forms, rules and route starts."""

from __future__ import annotations

import copy
from typing import Any

from engine import Actor, Database, Forbidden, InvalidData, Problem, StartRequest, TaskContext
from engine.specs import ParsedSpec

from . import rules
from .parties import BEREDNINGSGRUPP, KANSLI, STYRELSE, Party, forbund_slugs, parties_of

NEED_PROCESS = "behovsanalys"
FINSAM_PROCESS = "finansiell_samordning"
ESF_PROCESS = "esf_plus"
ROUTE_PROCESSES = (FINSAM_PROCESS, ESF_PROCESS)
# Processes that must never reach the styrelse (R-S2).
STYRELSE_EXCLUDED = (ESF_PROCESS,)

# Lane name → how the organisation that must act is found.
LANE_GROUPS = {
    "Beredningsgrupp": BEREDNINGSGRUPP,
    "Förbundskansli": KANSLI,
    "Styrelse": STYRELSE,
}
LANE_FROM_ITEM = "Parterna"
LANE_FROM_VARIABLE = {"Projektägare": "projektagare", "Processägare": "processagare"}
KNOWN_LANES = (*LANE_GROUPS, LANE_FROM_ITEM, *LANE_FROM_VARIABLE)

# The route each financing form starts (DECISIONS.md 1).
ROUTES_OF_FORM = {
    "finansiell_samordning": (FINSAM_PROCESS,),
    "esf_plus": (ESF_PROCESS,),
    "bada": (FINSAM_PROCESS, ESF_PROCESS),
}
ROUTE_START_FIELDS = ("titel", "malgrupp", "parter", "utlysning")


class FinsamHooks:
    """The engine hooks of finsam-flow."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- deploy ------------------------------------------------------------------------------

    def spec_rules(self) -> list[Any]:
        return [lanes_resolve, styrelse_never_in_esf]

    # -- assignment --------------------------------------------------------------------------

    def assign(self, ctx: TaskContext) -> str:
        lane = ctx.lane or ""
        if lane == "Styrelse" and ctx.process_id in STYRELSE_EXCLUDED:
            raise Forbidden(
                f"{ctx.bpmn_id}: ESF+-frågor lyfts aldrig till styrelsen (R-S2); uppgiften "
                "tilldelas inte"
            )
        if lane in LANE_GROUPS:
            return LANE_GROUPS[lane]
        if lane == LANE_FROM_ITEM:
            org = ctx.item
        elif lane in LANE_FROM_VARIABLE:
            org = ctx.data.get(LANE_FROM_VARIABLE[lane])
        else:
            raise Forbidden(f"{ctx.bpmn_id}: lane '{lane}' does not resolve to a role")
        parties = self._parties(ctx.tenant)
        if not isinstance(org, str) or org not in parties:
            raise Forbidden(
                f"{ctx.bpmn_id}: '{org}' is not a member organisation that can act in lane {lane}"
            )
        return org

    # -- forms -------------------------------------------------------------------------------

    def prepare_form(self, schema: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        prepared = copy.deepcopy(schema)
        parties = self._parties(ctx.tenant)
        for prop in (prepared.get("properties") or {}).values():
            source = prop.get("x-options")
            if not source:
                continue
            if source == "organisations":
                slugs = list(parties)
            else:
                slugs = [s for s in ctx.data.get(source) or [] if s in parties]
            choices = [{"const": s, "title": parties[s].name} for s in slugs]
            target = prop["items"] if prop.get("type") == "array" else prop
            target["oneOf"] = choices or [{"const": "", "title": "(inga val)"}]
        return prepared

    # -- rules -------------------------------------------------------------------------------

    def check_start(self, actor: Actor, process_id: str, data: dict[str, Any]) -> None:
        if process_id in ROUTE_PROCESSES:
            raise Forbidden(
                "en rutt startas bara från ett behov som beredningsgruppen identifierat"
            )
        if process_id == NEED_PROCESS and BEREDNINGSGRUPP not in actor.groups:
            raise Forbidden("bara beredningsgruppens medlemmar och kansliet anmäler behov")

    def before_complete(self, ctx: TaskContext, data: dict[str, Any]) -> dict[str, Any]:
        parties = self._parties(ctx.tenant)
        forbunds = forbund_slugs(self.db)
        errors: dict[str, str] = {}
        derived: dict[str, Any] = {}
        if ctx.bpmn_id == "identifiera_behov":
            errors = rules.check_need(data, parties, forbunds)
        elif ctx.bpmn_id == "utforma_insats":
            errors = rules.check_design(data, ctx.data)
        elif ctx.bpmn_id == "overenskommelse":
            errors, derived = rules.check_agreement(data, ctx.data, parties, forbunds)
        if errors:
            raise InvalidData("regeln tillåter inte detta", errors)
        return derived

    def after_completion(
        self, instance_id: int, process_id: str, outcome: str | None, data: dict[str, Any]
    ) -> list[StartRequest]:
        if process_id != NEED_PROCESS or outcome != "routes_started":
            return []
        start = {key: data.get(key) for key in ROUTE_START_FIELDS}
        start["behov_id"] = instance_id
        return [
            StartRequest(route, dict(start))
            for route in ROUTES_OF_FORM.get(str(data.get("finansieringsform")), ())
        ]

    def title(self, process_id: str, data: dict[str, Any]) -> str:
        return str(data.get("titel") or "")

    def _parties(self, tenant: str) -> dict[str, Party]:
        return {p.slug: p for p in parties_of(self.db, tenant)}


def lanes_resolve(parsed: ParsedSpec) -> list[Problem]:
    """Every user task sits in a lane that resolves to a role."""
    problems = []
    for task in parsed.user_tasks.values():
        if task.lane not in KNOWN_LANES:
            problems.append(
                Problem(
                    f"the user task is in lane '{task.lane}', which does not resolve to a role",
                    element_id=task.bpmn_id,
                    element_name=task.name,
                    line=task.line,
                    file=parsed.source.filename,
                    hint="put it in one of the lanes: " + ", ".join(KNOWN_LANES),
                )
            )
    return problems


def styrelse_never_in_esf(parsed: ParsedSpec) -> list[Problem]:
    """No ESF+ spec may have a styrelse lane or a task for it (R-S2)."""
    if parsed.process_id not in STYRELSE_EXCLUDED:
        return []
    problems = [
        Problem(
            "ESF+-frågor lyfts aldrig till styrelsen (R-S2): the task is in the Styrelse lane",
            element_id=task.bpmn_id,
            element_name=task.name,
            line=task.line,
            file=parsed.source.filename,
            hint="move the task to the Parterna or Projektägare lane",
        )
        for task in parsed.user_tasks.values()
        if task.lane == "Styrelse"
    ]
    if "Styrelse" in parsed.lanes and not problems:
        problems.append(
            Problem(
                "ESF+-frågor lyfts aldrig till styrelsen (R-S2): remove the Styrelse lane",
                file=parsed.source.filename,
            )
        )
    return problems
