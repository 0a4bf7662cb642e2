"""Odd values in every query parameter any page or API route reads never give a 500.

The parameters are not listed by hand: each GET route of the URL map is first requested plainly,
as each role, with a request class that records which query parameters the view reads; then every
parameter read is sent each odd value. A refusal is a 4xx that says what is wrong in Swedish with a
way onward (a page with a link), or a JSON error from the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from engine import utc_now
from webui.modeler import modeler_available
from workflows import Finsam
from workflows.drafts import save_draft
from workflows.links import RESET, issue_link
from workflows.models import User
from workflows.people import invite
from workflows.system import bundled_diagrams
from workflows.tenants import add_forbund
from workflows.users import add_user, capacities, new_token

from . import test_processes as walks
from .conftest import Browser
from .walk import Desk

ODD = ["²", "١", "-1", "1e9", "9" * 40, "\x00", "1.5", " 1", "x", "9999-12-31", "0001-01-01"]
ROLES = ("auditor", "designer", "admin", "af", "styrelse", "nationaladmin")
# Parameters that name an object: the value that reaches it (the version another förbund
# published), so that the page is reached before its parameters are fuzzed.
NAMED = {"forbund": "sodra", "process_id": "behovsanalys", "version": "1"}
METRICS_TOKEN = "metrics-test-token"
MIWG = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "miwg"
# Pages no role of this test reaches: single sign-on needs a configured provider, and then a
# real one (tests/test_sso.py sends a foreign state, a replayed code and a wrong nonce to
# oidc-provider); here an unconfigured provider is a 404 whatever the parameters.
UNREACHABLE = {"/login/sso/not-configured", "/login/sso/not-configured/callback"}
READ: set[str] = set()


def _unreachable() -> set[str]:
    """The URLs no role reaches here: the unconfigured SSO provider's, and the modeler's files
    on a machine without Node.js (the modeler is then off, and its files answer 404)."""
    return UNREACHABLE | (set() if modeler_available() else
                          {"/designer/modeler/assets/assets/bpmn-js.css"})


class _Recording(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query parameters that remember which names a view asked for."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002
        READ.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key: Any) -> Any:
        READ.add(key)
        return super().__getitem__(key)

    def getlist(self, key: Any, type: Any = None) -> Any:  # noqa: A002
        READ.add(key)
        return super().getlist(key, type)

    def __contains__(self, key: object) -> bool:
        READ.add(str(key))
        return super().__contains__(key)


class _RecordingRequest(Request):
    parameter_storage_class = _Recording


@pytest.fixture
def recording_app(app: Flask, finsam: Finsam, database_url: str,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    # The designer's reference models are shown only when a corpus folder is configured.
    monkeypatch.setenv("FINSAM_MIWG_DIR", str(MIWG))
    walks.test_esf_ansokan_avslagen(Desk(database_url))
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                ["af:af:Arbetsförmedlingen", "fk:fk:Försäkringskassan"], bundled_diagrams(),
                "test")
    finsam.engine.publish("sodra", "behovsanalys", 1, "test")
    # The national administrator (an operator's role): the only one reaching /national/forbund.
    add_user(finsam.db, "nationaladmin", "nnv-skane", "kansli", "nationell_admin", "finsam-demo")
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    app.request_class = _RecordingRequest
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer to count, not a raise
    yield app


def _url(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def _parameters(client: Any, url: str, headers: dict[str, str]) -> tuple[set[str], bool]:
    """The query parameters the view of `url` reads (those read once others are set too), and
    whether the page is this role's (one of those answers is not a 4xx)."""
    found: set[str] = set()
    statuses = []
    for _query_round in range(4):
        READ.clear()
        answer = client.get(url, query_string={name: NAMED.get(name, "1") for name in found},
                            headers=headers)
        statuses.append(answer.status_code)
        answer.close()
        if READ <= found:
            break
        found |= READ
    return found, min(statuses) < 400


def _problem(client: Any, url: str, query: dict[str, str], headers: dict[str, str]) -> str | None:
    """What is wrong with the answer to an odd query (None when it is a 2xx/3xx or a clear
    4xx refusal)."""
    answer = client.get(url, query_string=query, headers=headers)
    try:
        if answer.status_code >= 500:
            return f"status {answer.status_code}"
        if answer.status_code < 400:
            return None
        if url.startswith("/api/"):
            body = answer.get_json(silent=True) or {}
            return None if isinstance(body.get("message"), str) else "no JSON error"
        text = answer.get_data(as_text=True)
        return None if "<h1>" in text and "<a href=" in text else "no page with a way onward"
    finally:
        answer.close()


def test_odd_query_values_never_give_a_500(recording_app: Flask, finsam: Finsam) -> None:
    task = finsam.engine.open_tasks_of(1)
    values = {"instance_id": "2", "task_id": str(task[0].id) if task else "1", "version": "1",
              "process_id": "esf_plus", "fmt": "csv", "username": "af",
              "filename": "A.1.0.png", "provider_id": "not-configured",
              "name": "assets/bpmn-js.css",
              "document_id": str(finsam.case_files.attach(
                  capacities(finsam.db, "kansli")[0], 2, "Protokoll.pdf", b"%PDF-1.7\n").id),
              "draft_id": str(save_draft(finsam, capacities(finsam.db, "designer")[0], "esf_plus",
                                         "<x/>", {}).id)}
    # Working links of an invitation and a reset (reading their page does not spend them).
    invited = invite(finsam.db, "nnv-skane", "ny-person", "ny@bastad.se", "bastad",
                     "representant", None, "admin")
    with finsam.db.write() as session:
        user = session.scalars(select(User).where(User.username == "af")).one()
        reset = issue_link(session, user, RESET, utc_now())
    tokens = {"people.invitation": invited.link or "", "people.reset": reset}
    rules = [r for r in recording_app.url_map.iter_rules()
             if "GET" in (r.methods or set()) and r.endpoint != "static"]
    problems: list[str] = []
    asked: dict[str, set[str]] = {}  # url: the parameters its view reads
    fuzzed: dict[str, int] = {}  # url: how many roles sent it odd values
    for role in ROLES:
        client = recording_app.test_client()
        Browser(client).login(role)
        headers = {"Authorization": f"Bearer {new_token(finsam.db, role)}"}
        for rule in rules:
            url = _url(rule.rule, {**values, "token": tokens.get(rule.endpoint, "")})
            sent = headers if url.startswith("/api/") else {}
            if url == "/metrics":  # the operator's route, behind its own token
                sent = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            names, reachable = _parameters(client, url, sent)
            asked.setdefault(url, set()).update(names)
            if not reachable or fuzzed.get(url, 0) == 2:
                continue  # another role's page (fuzzed as that role), or fuzzed as two already
            fuzzed[url] = fuzzed.get(url, 0) + 1
            for name in sorted(names):
                others = {other: NAMED.get(other, "1") for other in names if other != name}
                for value in ODD:
                    queries = [{name: value}] + ([{**others, name: value}] if others else [])
                    for query in queries:
                        problem = _problem(client, url, query, sent)
                        if problem:
                            problems.append(f"{role} {url}?{query}: {problem}")
    # the recorder works: the parameters known to be read were found, on pages some role reaches
    assert {"step", "a", "b", "from", "to", "format", "process", "status"} <= set().union(
        *asked.values())
    assert [url for url, names in asked.items()
            if names and url not in fuzzed and url not in _unreachable()] == []
    assert problems == []


@pytest.mark.parametrize("url", ["/audit/instances/2?step=²", "/audit/instances/2?step=-1",
                                 "/audit/instances/2/diagram.svg?step=²"])
def test_a_bad_step_says_so_in_swedish_with_a_way_on(recording_app: Flask, url: str) -> None:
    client = recording_app.test_client()
    Browser(client).login("auditor")
    answer = client.get(url)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Händelsen ska anges med ett heltal" in text
    assert 'href="/audit/instances/2"' in text  # the instance's last step, a way onward


def test_an_impossible_report_day_is_a_field_error(recording_app: Flask, finsam: Finsam) -> None:
    client = recording_app.test_client()
    Browser(client).login("af")
    page = client.get("/reports/uppfoljning?to=9999-12-31")
    assert page.status_code == 422
    assert "ange ett datum mellan 1900-01-01 och 2999-12-31" in page.get_data(as_text=True)
    token = new_token(finsam.db, "af")
    api = client.get("/api/reports/uppfoljning?from=0001-01-01",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422 and "from" in api.get_json()["details"]
