"""How the Finsam domain plugs into the engine: assignment, forms, rules and route starts."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from engine import Actor, Database, Forbidden, InvalidData, Problem, StartRequest, TaskContext
from engine.lint import diagram_complete, gateways_decide, paths_end
from engine.specs import ParsedSpec

from . import rules
from .parties import BEREDNINGSGRUPP, KANSLI, STYRELSE, Party, forbund_slugs, parties_of

DIRECTORY_TTL_SECONDS = 30.0
NEED_PROCESS = "behovsanalys"
FINSAM_PROCESS = "finansiell_samordning"
ESF_PROCESS = "esf_plus"
ROUTE_PROCESSES = (FINSAM_PROCESS, ESF_PROCESS)
# The beredningsgrupp's bevakning of Svenska ESF-rådet's utlysningsplan (R-S8): started by the
# worker only, one per förbund (workflows/utlysningsplan.py).
UTLYSNINGSPLAN_PROCESS = "utlysningsplan"
# Processes that must never reach the styrelse (R-S2): ESF+ matters.
STYRELSE_EXCLUDED = (ESF_PROCESS, UTLYSNINGSPLAN_PROCESS)

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

# The variables the follow-up reports aggregate (workflows/followup.py, docs/followup.md): copied
# to `instance_attribute` after every step. A key added here needs a migration that backfills it
# (see workflows/migrations/versions/0003_instance_attribute.py).
INDEXED_VARIABLES: dict[str, tuple[str, ...]] = {
    NEED_PROCESS: ("finansieringsform", "parter", "inom_finsam_malgrupp", "skal", "utlysning"),
    ESF_PROCESS: ("behov_id", "parter", "utlysning", "overenskommelse", "projektagare",
                  "medfinansiarer", "fk_fallback", "skal", "sokt_belopp", "inskickad_datum",
                  "esf_beslut", "beslut_datum", "beviljat_belopp", "projektperiod_start",
                  "projektperiod_slut", "slutrapport_datum"),
    FINSAM_PROCESS: ("behov_id", "parter", "insatstyp", "preciserad_inriktning",
                     "specifik_malgrupp", "sokt_belopp", "processagare", "styrelsebeslut",
                     "beviljat_belopp", "motesdatum", "period_start", "period_slut",
                     "deltagare_kvinnor", "deltagare_man", "genomford_datum"),
}


class DirectoryCache:
    """The förbund's member organisations, read at most every `ttl` seconds.

    Members change a few times a year (a kommun joins); every step asks. A change made in this
    process is seen at once (`forget`); one made elsewhere within `ttl` seconds.
    """

    def __init__(self, db: Database, ttl: float) -> None:
        self.db = db
        self.ttl = ttl
        self._parties: dict[str, tuple[float, dict[str, Party]]] = {}
        self._forbunds: tuple[float, set[str]] | None = None
        self._lock = threading.Lock()

    def parties(self, tenant: str) -> dict[str, Party]:
        """The parties of `tenant` by slug."""
        now = time.monotonic()
        with self._lock:
            cached = self._parties.get(tenant)
            if cached is not None and now - cached[0] < self.ttl:
                return cached[1]
        fresh = {p.slug: p for p in parties_of(self.db, tenant)}
        with self._lock:
            self._parties[tenant] = (now, fresh)
        return fresh

    def forbunds(self) -> set[str]:
        """Every förbund's slug."""
        now = time.monotonic()
        with self._lock:
            if self._forbunds is not None and now - self._forbunds[0] < self.ttl:
                return self._forbunds[1]
        fresh = forbund_slugs(self.db)
        with self._lock:
            self._forbunds = (now, fresh)
        return fresh

    def forget(self) -> None:
        """Drop what is cached (after this process changed members or förbund)."""
        with self._lock:
            self._parties.clear()
            self._forbunds = None


class FinsamHooks:
    """The engine hooks of finsam-flow."""

    def __init__(self, db: Database, directory_ttl: float = DIRECTORY_TTL_SECONDS) -> None:
        self.db = db
        self._directory = DirectoryCache(db, directory_ttl)

    # -- deploy ------------------------------------------------------------------------------

    def spec_rules(self) -> list[Any]:
        return [lanes_resolve, styrelse_never_in_esf, gateways_decide, diagram_complete,
                paths_end]

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
        if process_id == UTLYSNINGSPLAN_PROCESS:
            raise Forbidden("bevakningen av utlysningsplanen startas av systemet, en per förbund")
        if process_id == NEED_PROCESS and BEREDNINGSGRUPP not in actor.groups:
            raise Forbidden("bara beredningsgruppens medlemmar och kansliet anmäler behov")

    def before_complete(self, ctx: TaskContext, data: dict[str, Any]) -> dict[str, Any]:
        parties = self._parties(ctx.tenant)
        forbunds = self._directory.forbunds()
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

    def indexed_variables(self, process_id: str) -> tuple[str, ...]:
        return INDEXED_VARIABLES.get(process_id, ())

    def _parties(self, tenant: str) -> dict[str, Party]:
        return self._directory.parties(tenant)


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
            hint="move the task to another lane, e.g. Beredningsgrupp, Parterna or Projektägare",
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
