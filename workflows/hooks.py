"""How the Finsam domain plugs into the engine: assignment, forms, rules and route starts."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine import (
    Actor,
    Database,
    Forbidden,
    InvalidData,
    StartRequest,
    StepData,
    TaskContext,
    diagram_complete,
    gateways_decide,
    paths_end,
    utc_now,
)

from . import deltagare_ar, insats_model, policy, rules
from .catalogue import (
    INDEXED_VARIABLES,
    LANE_FROM_ITEM,
    LANE_FROM_VARIABLE,
    LANE_GROUPS,
    NEED_PROCESS,
    ROUTE_START_FIELDS,
    ROUTES_OF_FORM,
    STYRELSE_LANE,
    USER_STARTABLE,
)
from .deploy_rules import (
    choices_keep_their_meaning,
    esf_fields_stay_in_esf,
    lanes_resolve,
    styrelse_only_where_it_decides,
)
from .parties import Party, forbund_slugs, parties_of

DIRECTORY_TTL_SECONDS = 30.0


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

    def __init__(self, db: Database, directory_ttl: float = DIRECTORY_TTL_SECONDS,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.clock = clock
        self._directory = DirectoryCache(db, directory_ttl)

    # -- deploy ------------------------------------------------------------------------------

    def spec_rules(self) -> list[Any]:
        return [lanes_resolve, styrelse_only_where_it_decides, esf_fields_stay_in_esf,
                choices_keep_their_meaning, gateways_decide, diagram_complete, paths_end]

    # -- assignment --------------------------------------------------------------------------

    def assign(self, ctx: TaskContext) -> str:
        lane = ctx.lane or ""
        if lane == STYRELSE_LANE and not policy.styrelse_may_work_in(ctx.process_id, ctx.data):
            raise Forbidden(
                f"{ctx.bpmn_id}: ESF+-frågor lyfts aldrig till styrelsen; uppgiften tilldelas inte"
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
        prepared = copy.deepcopy(insats_model.form_for(schema, ctx.data))
        if ctx.bpmn_id == deltagare_ar.TASK:
            prepared = deltagare_ar.form_for(prepared, ctx.data)
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
        if process_id not in USER_STARTABLE:
            raise Forbidden(
                "ett ärende i den här processen startas inte av en person: en rutt startas från "
                "ett behov som beredningsgruppen identifierat, bevakningen av utlysningsplanen av "
                "systemet"
            )

    def before_complete(self, ctx: TaskContext, data: dict[str, Any]) -> dict[str, Any]:
        parties = self._parties(ctx.tenant)
        forbunds = self._directory.forbunds()
        errors: dict[str, str] = {}
        derived: dict[str, Any] = {}
        if ctx.bpmn_id == "identifiera_behov":
            errors = rules.check_need(data, parties, forbunds)
        elif ctx.bpmn_id == "utforma_insats":
            errors = (rules.check_design(data, ctx.data, parties, forbunds)
                      or insats_model.check_design(data))
            derived = {"avbryt": data.get("avbryt") is True}  # the gateway reads it every round
        elif ctx.bpmn_id == "utforma_projektide":
            errors = rules.check_parties_revised(data, parties, forbunds)
        elif ctx.bpmn_id == "overenskommelse":
            errors, derived = rules.check_agreement(data, ctx.data, parties, forbunds,
                                                    self.clock().date())
        elif ctx.bpmn_id == "styrelsebeslut":
            errors = rules.check_board_decision(data, ctx.data)
            derived = deltagare_ar.on_grant(data, ctx.data)
        elif ctx.bpmn_id == "genomfora_insats":
            errors = (insats_model.check_done(data, ctx.data)
                      or rules.check_insats_done(data, ctx.data))
        elif ctx.bpmn_id == deltagare_ar.TASK:
            errors = deltagare_ar.check(data, ctx.data)
            derived = {} if errors else deltagare_ar.record(data, ctx.data)
        elif ctx.bpmn_id == "registrera_esf_beslut":
            errors, derived = rules.check_esf_decision(data, ctx.data)
        elif ctx.bpmn_id == "genomfora_projekt":
            errors = rules.check_project_done(data, ctx.data)
        elif ctx.bpmn_id == "slutrapportera":
            errors = rules.check_final_report(data, ctx.data)
        if errors:
            raise InvalidData("regeln tillåter inte detta", errors)
        return derived

    def after_completion(
        self, instance_id: int, process_id: str, outcome: str | None, data: dict[str, Any]
    ) -> list[StartRequest]:
        if process_id != NEED_PROCESS or outcome != "routes_started":
            return []
        routes = ROUTES_OF_FORM.get(str(data.get("finansieringsform")), ())
        return [
            StartRequest(route, {**{key: data.get(key) for key in ROUTE_START_FIELDS[route]},
                                 "behov_id": instance_id})
            for route in routes
        ]

    def title(self, process_id: str, data: dict[str, Any]) -> str:
        return str(data.get("titel") or "")

    def indexed_variables(self, process_id: str) -> tuple[str, ...]:
        return INDEXED_VARIABLES.get(process_id, ())

    def after_step(self, session: Any, step: StepData) -> None:
        deltagare_ar.write_rows(session, step)

    def _parties(self, tenant: str) -> dict[str, Party]:
        return self._directory.parties(tenant)
