"""The world the bad-input corpus acts on (tests/bad_inputs.py), and the snapshot of what a
refused request must leave as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine import utc_now
from engine.store.models import Event, HumanTask, Instance, LedgerHead, SpecVersion
from workflows import Finsam
from workflows.memberships import set_active
from workflows.models import ApiToken, Forbund, Membership, Organisation, User
from workflows.system import bundled_diagrams
from workflows.tenants import add_forbund
from workflows.users import add_user, capacities, new_token, revoke_tokens

from .agents import PASSWORD, Agent, Transport

PARTIES = ["af", "fk", "angelholm"]
OTHER_FORBUND = ("sodra-bohuslan", "Samordningsförbundet Södra Bohuslän")



@dataclass
class World:
    """Ids and tokens the cases use; made by `prepare_world`."""

    secret: str
    tokens: dict[str, str]
    need: int
    esf: int
    fk_task: int  # fk's own open task (the ESF+ förankring)
    fs_task: int  # the beredningsgrupp's open utforma_insats (has an integer field)
    claimed_task: int  # a beredningsgrupp task claimed by angelholm
    other_instance: int  # of the other förbund
    other_task: int
    extra: dict[str, Any] = field(default_factory=dict)


def prepare_world(finsam: Finsam, secret: str) -> World:
    """A need that started both routes (ESF+ at the parties' förankring, Finsam at its design), a
    claimed need, a second förbund with a need of its own, and the tokens the cases use (one of
    them revoked, one of a deactivated user, one expired)."""
    def cap(user: str) -> Any:
        return capacities(finsam.db, user)[0]

    start = finsam.start_need(cap("angelholm"), {"titel": "Knutpunkt"})
    result = finsam.complete_task(cap("angelholm"), start.open_tasks[0].id, {
        "titel": "Knutpunkt", "malgrupp": "Unga vuxna", "inom_finsam_malgrupp": True,
        "parter": PARTIES, "finansieringsform": "bada"})
    routes = {i.process_id: i.id for i in result.started}
    esf, fs = routes["esf_plus"], routes["finansiell_samordning"]
    idea = next(t for t in finsam.engine.open_tasks_of(esf))
    finsam.complete_task(cap("af"), idea.id, {"projektide": "Knutpunkt", "syfte": "Stöd",
                                              "mal": "Arbete"})
    fk_task = next(t.id for t in finsam.engine.open_tasks_of(esf) if t.assignee == "fk")
    fs_task = finsam.engine.open_tasks_of(fs)[0].id
    claimed = finsam.start_need(cap("angelholm"), {"titel": "Tagen"}).open_tasks[0].id
    finsam.claim_task(cap("angelholm"), claimed)

    slug, name = OTHER_FORBUND
    add_forbund(finsam.engine, slug, name, ["af:af:Arbetsförmedlingen", "fk:fk:Försäkringskassan",
                                            "kungalv:kommun:Kungälvs kommun"],
                bundled_diagrams(), "test")
    add_user(finsam.db, "sb-fk", slug, "fk", "representant", PASSWORD)
    add_user(finsam.db, "sb-kansli", slug, "kansli", "kansli", PASSWORD)
    other = finsam.start_need(cap("sb-fk"), {"titel": "Annat förbund"})

    tokens = {user: new_token(finsam.db, user)
              for user in ("fk", "af", "angelholm", "kansli", "designer", "auditor", "sb-fk")}
    tokens["revoked"] = new_token(finsam.db, "perstorp")
    revoke_tokens(finsam.db, "perstorp")
    tokens["deactivated"] = new_token(finsam.db, "hoganas")
    tokens["expired"] = new_token(finsam.db, "bastad", days=1,
                                  now=utc_now() - timedelta(days=2))
    set_active(finsam.db, "nnv-skane", "hoganas", False)
    return World(secret, tokens, start.instance.id, esf, fk_task, fs_task, claimed,
                 other.instance.id, other.open_tasks[0].id)


def snapshot(finsam: Finsam) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was (login failures excepted)."""
    with finsam.db.read() as session:
        counts = tuple(session.scalar(select(func.count()).select_from(model)) for model in (
            Event, HumanTask, Instance, SpecVersion, User, Membership, ApiToken, Forbund,
            Organisation))
        return counts + (
            tuple(session.execute(select(HumanTask.id, HumanTask.state, HumanTask.claimed_by)
                                  .order_by(HumanTask.id)).all()),
            tuple(session.execute(select(Instance.id, Instance.status, Instance.last_seq,
                                         Instance.head_hash).order_by(Instance.id)).all()),
            tuple(session.execute(select(User.username, User.active, User.password_hash)
                                  .order_by(User.id)).all()),
            tuple(session.execute(select(ApiToken.id, ApiToken.revoked_at)
                                  .order_by(ApiToken.id)).all()),
            tuple(session.execute(select(LedgerHead.tenant, LedgerHead.last_seq,
                                         LedgerHead.head_hash).order_by(LedgerHead.tenant))
                  .all()),
        )


@dataclass
class Ctx:
    """What a case runs with."""

    transport: Transport
    world: World

    def api(self, user: str | None) -> Agent:
        return Agent(self.transport, None if user is None else self.world.tokens[user])

    def browser(self, user: str) -> Agent:
        agent = Agent(self.transport)
        answer = agent.login(user)
        if answer.status != 302:
            raise AssertionError(f"{user} could not log in: {answer.status}")
        return agent
