"""The bad-input corpus: malformed and malicious requests. Each must get a clear refusal (a 4xx with
a JSON error from the API; an error page, or the way to the login page, from the pages) and change
nothing.

It does not depend on how requests travel: tests/test_bad_input.py sends the cases through Flask's
test client and compares the database before and after each; bench/reliability.py sends them over
real HTTP to gunicorn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflows.system import diagrams_dir

from .agents import PASSWORD, Agent, Answer, read_session, sign_session
from .corpus_world import OTHER_FORBUND, Ctx, World

MB = 1024 * 1024



@dataclass(frozen=True)
class Case:
    """One bad input: how to send it, the statuses that refuse it, and whether a page answers."""

    name: str
    run: Callable[[Ctx], Answer]
    expect: tuple[int, ...]
    page: bool = False
    says: str | None = None  # text the answer must show


def refusal_problem(case: Case, answer: Answer) -> str | None:
    """Why `answer` is not the clear refusal `case` wants (None when it is)."""
    if answer.status not in case.expect:
        return f"{case.name}: status {answer.status}, expected {case.expect}: {answer.text[:300]}"
    if case.says is not None and case.says not in answer.text:
        return f"{case.name}: the answer does not say {case.says!r}"
    if case.page:
        if answer.status in (301, 302, 303):
            if "/login" not in answer.headers.get("location", ""):
                return f"{case.name}: redirected elsewhere than the login page"
        elif "text/html" not in answer.headers.get("content-type", "") or "<h1>" not in answer.text:
            return f"{case.name}: no error page"
        return None
    body = answer.json()
    if not (isinstance(body, dict) and isinstance(body.get("error"), str)
            and isinstance(body.get("message"), str)):
        return f"{case.name}: not a JSON error: {answer.text[:200]}"
    return None


def _bundled(name: str) -> str:
    return (diagrams_dir() / f"{name}.bpmn").read_text(encoding="utf-8")


NEED_BPMN = _bundled("behovsanalys")
LOOP_END = 'sourceRef="gw_finansieringsform_join" targetRef="routes_started"'


def _bpmn_cases() -> list[Case]:
    def deploy(body: bytes, user: str = "designer", query: str = "") -> Callable[[Ctx], Answer]:
        return lambda ctx: ctx.api(user).request("POST", "/api/specs" + query, raw=body,
                                                 content_type="application/xml")

    doctype = '<?xml version="1.0"?>\n<!DOCTYPE definitions {}>\n'
    defs = NEED_BPMN.split("\n", 1)[1]  # without the XML declaration
    laughs = ('[<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]")
    huge = NEED_BPMN.replace('name="Behovsanalys"', 'name="' + "A" * (6 * MB) + '"', 1)
    four = NEED_BPMN.replace('name="Behovsanalys"', 'name="' + "A" * (4 * MB) + '"', 1)
    wrong_ns = NEED_BPMN.replace("http://www.omg.org/spec/BPMN/20100524/MODEL",
                                 "http://example.org/not-bpmn")
    no_exit = NEED_BPMN.replace(LOOP_END, LOOP_END.replace("routes_started", "identifiera_behov")
                                ).replace('sourceRef="gw_inom_rutinen" targetRef="utanfor_rutinen"',
                                          'sourceRef="gw_inom_rutinen" '
                                          'targetRef="identifiera_behov"')
    no_wait = NEED_BPMN.replace(LOOP_END, LOOP_END.replace("routes_started", "gw_inom_rutinen"))
    script = NEED_BPMN.replace(
        '<bpmn:endEvent id="routes_started"',
        '<bpmn:scriptTask id="hack" name="Hack"><bpmn:script>import os</bpmn:script>'
        '</bpmn:scriptTask>\n    <bpmn:endEvent id="routes_started"')
    deep = '<?xml version="1.0"?>' + "<a>" * 5000 + "</a>" * 5000
    xinclude = NEED_BPMN.replace(
        '<bpmn:process id="behovsanalys"',
        '<bpmn:documentation xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include '
        'href="/etc/passwd" parse="text"/></bpmn:documentation><bpmn:process id="behovsanalys"')
    return [
        Case("bpmn-xxe-file", deploy((doctype.format(
            '[<!ENTITY x SYSTEM "file:///etc/passwd">]') + defs.replace(
            'name="Behovsanalys"', 'name="&x;"', 1)).encode()), (422,)),
        Case("bpmn-xxe-network", deploy((doctype.format(
            '[<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">]') + defs.replace(
            'name="Behovsanalys"', 'name="&x;"', 1)).encode()), (422,)),
        Case("bpmn-parameter-entity", deploy((doctype.format(
            '[<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]') + defs).encode()), (422,)),
        Case("bpmn-billion-laughs", deploy((doctype.format(laughs) + defs.replace(
            'name="Behovsanalys"', 'name="&i;"', 1)).encode()), (422,)),
        Case("bpmn-external-dtd", deploy((doctype.format(
            'SYSTEM "http://127.0.0.1:9/bpmn.dtd"') + defs).encode()), (422,)),
        Case("bpmn-huge-attribute-6mb", deploy(huge.encode()), (422,)),
        Case("bpmn-long-name-4mb", deploy(four.encode()), (422,)),
        Case("bpmn-wrong-namespace", deploy(wrong_ns.encode()), (422,)),
        Case("bpmn-not-xml", deploy(b"\x89PNG\r\n\x1a\n" + bytes(512)), (422,)),
        Case("bpmn-empty", deploy(b""), (422,)),
        Case("bpmn-truncated", deploy(NEED_BPMN[: len(NEED_BPMN) // 2].encode()), (422,)),
        Case("bpmn-deep-nesting", deploy(deep.encode()), (422,)),
        Case("bpmn-xinclude", deploy(xinclude.encode()), (422,)),
        Case("bpmn-script-task", deploy(script.encode()), (422,)),
        Case("bpmn-unsafe-condition", deploy(NEED_BPMN.replace(
            "finansieringsform == 'esf_plus'", "__import__('os').system('id')").encode()),
            (422,)),
        Case("bpmn-cycle-without-exit", deploy(no_exit.encode()), (422,)),
        Case("bpmn-cycle-without-wait", deploy(no_wait.encode()), (422,)),
        Case("bpmn-long-filename", deploy(NEED_BPMN.replace("Behovsanalys", "Behov 2").encode(),
                                          query="?filename=" + "f" * 400 + ".bpmn"), (422,)),
        Case("bpmn-by-a-representative", deploy(NEED_BPMN.encode(), user="fk"), (403,)),
        Case("bpmn-body-over-10mb", deploy(b"<a>" + b"x" * (11 * MB) + b"</a>"), (413,)),
    ]


def _form_cases() -> list[Case]:
    def complete(data: Any = None, raw: bytes | None = None, user: str = "fk",
                 content_type: str = "application/json", task: str = "fk_task"
                 ) -> Callable[[Ctx], Answer]:
        def run(ctx: Ctx) -> Answer:
            task_id = getattr(ctx.world, task)
            body = raw if raw is not None else json.dumps(data).encode()
            return ctx.api(user).request("POST", f"/api/tasks/{task_id}/complete", raw=body,
                                         content_type=content_type)
        return run

    design = {"insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
              "specifik_malgrupp": ["unga"], "syfte": "Stöd", "mal": "Arbete",
              "processagare": "angelholm"}
    nested: Any = "x"
    for _ in range(40):
        nested = [nested]
    return [
        Case("form-text-for-boolean", complete({"forankrad": "kanske"}), (422,)),
        Case("form-number-for-boolean", complete({"forankrad": 1}), (422,)),
        Case("form-list-for-text", complete({"forankrad": True, "kommentar": ["a"]}), (422,)),
        Case("form-missing-required", complete({}), (422,)),
        Case("form-unknown-field", complete({"forankrad": True, "roll": "admin"}), (422,)),
        Case("form-too-long", complete({"forankrad": True, "kommentar": "x" * 5001}), (422,)),
        Case("form-megabytes-of-text", complete({"forankrad": True, "kommentar": "x" * MB}),
             (422,)),
        Case("form-nul-character", complete({"forankrad": True, "kommentar": "a\x00b"}), (422,)),
        Case("form-control-characters", complete({"forankrad": True, "kommentar": "\x07\x1b[2J"}),
             (422,)),
        Case("form-control-character-in-key", complete({"forankrad": True, "k\x00": 1}), (422,)),
        Case("form-lone-surrogate", complete(raw=b'{"forankrad": true, "kommentar": "\\ud800"}'),
             (422,)),
        Case("form-nested-deeply", complete({"forankrad": True, "kommentar": nested}), (422,)),
        Case("form-nested-beyond-the-parser", complete(
            raw=b'{"forankrad": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), (400,)),
        Case("form-not-a-number", complete(raw=b'{"forankrad": true, "kommentar": NaN}'),
             (422,)),
        Case("form-integer-beyond-2-53", complete({**design, "sokt_belopp": 10**400},
                                                  task="fs_task"), (422,)),
        Case("form-infinity", complete(raw=json.dumps({**design, "sokt_belopp": 1}).replace(
            '"sokt_belopp": 1', '"sokt_belopp": Infinity').encode(), task="fs_task"), (422,)),
        Case("form-negative-amount", complete({**design, "sokt_belopp": -5}, task="fs_task"),
             (422,)),
        Case("form-too-many-fields", complete({f"f{i}": i for i in range(201)}), (422,)),
        Case("json-array", complete([1, 2]), (400,)),
        Case("json-string", complete("forankrad"), (400,)),
        Case("json-null", complete(None), (400,)),
        Case("json-number", complete(5), (400,)),
        Case("json-broken", complete(raw=b'{"forankrad": tru'), (400,)),
        Case("json-as-text-plain", complete(raw=b'{"forankrad": true}',
                                            content_type="text/plain"), (400,)),
        Case("json-not-utf8", complete(raw=b'{"forankrad": "\xff\xfe"}'), (400,)),
        Case("json-body-over-10mb", complete({"kommentar": "x" * (11 * MB)}), (413,)),
    ]


def _start_cases() -> list[Case]:
    def start(body: Any, user: str = "angelholm") -> Callable[[Ctx], Answer]:
        return lambda ctx: ctx.api(user).request("POST", "/api/instances", json_body=body)

    return [
        Case("start-not-an-object", start([1]), (400,)),
        Case("start-process-not-text", start({"process_id": 5}), (400,)),
        Case("start-unknown-process", start({"process_id": "ingen"}), (404,)),
        Case("start-process-id-with-nul", start({"process_id": "behovsanalys\x00"}), (404,)),
        Case("start-a-route-directly", start({"process_id": "esf_plus", "data": {}}), (403,)),
        Case("start-data-not-an-object", start({"process_id": "behovsanalys", "data": []}),
             (422,)),
        Case("start-empty-title", start({"process_id": "behovsanalys", "data": {"titel": ""}}),
             (422,)),
        Case("start-as-auditor", start({"process_id": "behovsanalys",
                                        "data": {"titel": "x"}}, user="auditor"), (403,)),
    ]


def _id_cases() -> list[Case]:
    def get(path: Callable[[World], str], user: str = "fk") -> Callable[[Ctx], Answer]:
        return lambda ctx: ctx.api(user).request("GET", path(ctx.world))

    def post(path: Callable[[World], str], user: str = "fk",
             body: Any = None) -> Callable[[Ctx], Answer]:
        return lambda ctx: ctx.api(user).request("POST", path(ctx.world),
                                                 json_body={} if body is None else body)

    return [
        Case("unknown-task", get(lambda w: "/api/tasks/999999"), (404,)),
        Case("unknown-task-completed", post(lambda w: "/api/tasks/999999/complete"), (404,)),
        Case("unknown-instance", get(lambda w: "/api/instances/999999"), (404,)),
        Case("unknown-instance-events", get(lambda w: "/api/instances/999999/events"), (404,)),
        Case("id-beyond-the-integers", get(lambda w: "/api/tasks/99999999999999999999"),
             (404,)),
        Case("id-beyond-the-integers-completed",
             post(lambda w: "/api/tasks/99999999999999999999/complete"), (404,)),
        Case("id-negative", get(lambda w: "/api/tasks/-1"), (404,)),
        Case("id-not-a-number", get(lambda w: "/api/instances/abc"), (404,)),
        Case("other-forbund-task", get(lambda w: f"/api/tasks/{w.other_task}"), (404,)),
        Case("other-forbund-task-completed",
             post(lambda w: f"/api/tasks/{w.other_task}/complete", body={"titel": "x"}), (404,)),
        Case("other-forbund-task-claimed", post(lambda w: f"/api/tasks/{w.other_task}/claim"),
             (404,)),
        Case("other-forbund-instance", get(lambda w: f"/api/instances/{w.other_instance}"),
             (404,)),
        Case("other-forbund-user-completes-ours", post(
            lambda w: f"/api/tasks/{w.fk_task}/complete", user="sb-fk",
            body={"forankrad": True}), (404,)),
        Case("other-organisation-completes", post(
            lambda w: f"/api/tasks/{w.fk_task}/complete", user="af",
            body={"forankrad": True}), (403, 404)),
        Case("auditor-completes", post(lambda w: f"/api/tasks/{w.fk_task}/complete",
                                       user="auditor", body={"forankrad": True}), (403,)),
        Case("claimed-by-another-claimed", post(lambda w: f"/api/tasks/{w.claimed_task}/claim"),
             (409,)),
        Case("claimed-by-another-completed", post(
            lambda w: f"/api/tasks/{w.claimed_task}/complete"), (409,)),
        Case("claimed-by-another-released",
             post(lambda w: f"/api/tasks/{w.claimed_task}/unclaim"), (409,)),
        Case("method-not-allowed", lambda ctx: ctx.api("fk").request(
            "DELETE", f"/api/tasks/{ctx.world.fk_task}"), (405,)),
        Case("query-with-nul", get(lambda w: "/api/tasks?process_id=a%00b"), (400,)),
        Case("report-bad-date", get(lambda w: "/api/reports/uppfoljning?from=igar",
                                    user="kansli"), (400, 422)),
        Case("report-of-another-forbund", get(
            lambda w: f"/api/reports/uppfoljning?forbund={OTHER_FORBUND[0]}", user="kansli"),
            (403,)),
        Case("designer-version-beyond-the-integers", lambda ctx: ctx.api("designer").request(
            "GET", "/designer/processes/esf_plus/diff?a=1&b=99999999999999999999"), (404,),
            page=True),
        Case("designer-path-with-nul", lambda ctx: ctx.api("designer").request(
            "GET", "/designer/processes/a%00b/instances"), (400,), page=True),
    ]


def _auth_cases() -> list[Case]:
    def tasks_with(header: str) -> Callable[[Ctx], Answer]:
        return lambda ctx: ctx.api(None).request("GET", "/api/tasks",
                                                 headers={"Authorization": header})

    def with_session(make: Callable[[Ctx, str], str]) -> Callable[[Ctx], Answer]:
        def run(ctx: Ctx) -> Answer:
            agent = ctx.browser("fk")
            agent.cookies["session"] = make(ctx, agent.cookies["session"])
            return agent.request("GET", "/api/tasks")
        return run

    def old(ctx: Ctx, cookie: str) -> str:
        import time

        data = read_session(ctx.world.secret, cookie)
        return sign_session(ctx.world.secret, data, int(time.time()) - 9 * 3600)

    def other_key(ctx: Ctx, cookie: str) -> str:
        return sign_session("another-secret-key", read_session(ctx.world.secret, cookie))

    def tampered(ctx: Ctx, cookie: str) -> str:
        head, _, rest = cookie.partition(".")
        return ("A" if head[:1] != "A" else "B") + head[1:] + "." + rest

    def page_with_session(make: Callable[[Ctx, str], str]) -> Callable[[Ctx], Answer]:
        def run(ctx: Ctx) -> Answer:
            agent = ctx.browser("fk")
            agent.cookies["session"] = make(ctx, agent.cookies["session"])
            return agent.request("GET", "/")
        return run

    def session_post(path: Callable[[World], str], token: Callable[[Agent], str | None],
                     page: bool) -> Callable[[Ctx], Answer]:
        def run(ctx: Ctx) -> Answer:
            agent = ctx.browser("fk")
            given = token(agent)
            if page:
                form = {"forankrad": "true"}
                if given is not None:
                    form["csrf_token"] = given
                return agent.request("POST", path(ctx.world), form=form)
            headers = {} if given is None else {"X-CSRF-Token": given}
            return agent.request("POST", path(ctx.world), json_body={}, headers=headers)
        return run

    def foreign_token(agent: Agent) -> str:
        return Agent(agent.transport).csrf()  # a valid token, of another session

    def brute_force(ctx: Ctx) -> Answer:
        agent = Agent(ctx.transport)
        for _ in range(5):
            failed = agent.login("orkelljunga", "wrong-password")
            if failed.status != 401:
                return failed
        return agent.login("orkelljunga", PASSWORD)

    def after_logout(ctx: Ctx) -> Answer:
        """A copy of the cookie, kept from before its session logged out."""
        agent = ctx.browser("fk")
        copy = agent.cookies["session"]
        agent.request("POST", "/logout", form={"csrf_token": agent.csrf()})
        agent.cookies["session"] = copy
        return agent.request("GET", "/api/tasks")

    def claim(w: World) -> str:
        return f"/api/tasks/{w.fk_task}/claim"

    def form_page(w: World) -> str:
        return f"/tasks/{w.fk_task}"

    return [
        Case("no-credentials", tasks_with(""), (401,)),
        Case("bearer-garbage", tasks_with("Bearer ff_not-a-token"), (401,)),
        Case("bearer-empty", tasks_with("Bearer "), (401,)),
        Case("bearer-revoked", lambda ctx: ctx.api("revoked").request("GET", "/api/tasks"),
             (401,)),
        Case("bearer-revoked-completes", lambda ctx: ctx.api("revoked").request(
            "POST", f"/api/tasks/{ctx.world.fk_task}/complete", json_body={"forankrad": True}),
            (401,)),
        Case("bearer-of-deactivated-user", lambda ctx: ctx.api("deactivated").request(
            "GET", "/api/tasks"), (401,)),
        Case("bearer-expired", lambda ctx: ctx.api("expired").request("GET", "/api/tasks"),
             (401,)),
        Case("session-after-logout", after_logout, (401,)),
        Case("session-expired", with_session(old), (401,)),
        Case("session-signed-with-another-key", with_session(other_key), (401,)),
        Case("session-tampered", with_session(tampered), (401,)),
        Case("session-expired-page", page_with_session(old), (302,), page=True),
        Case("session-forged-page", page_with_session(other_key), (302,), page=True),
        Case("csrf-missing-api", session_post(claim, lambda a: None, page=False), (400,)),
        Case("csrf-wrong-api", session_post(claim, lambda a: "wrong", page=False), (400,)),
        Case("csrf-of-another-session-api", session_post(claim, foreign_token, page=False),
             (400,)),
        Case("csrf-missing-page", session_post(form_page, lambda a: None, page=True), (400,),
             page=True),
        Case("csrf-wrong-page", session_post(form_page, lambda a: "wrong", page=True), (400,),
             page=True),
        Case("csrf-of-another-session-page", session_post(form_page, foreign_token, page=True),
             (400,), page=True),
        Case("login-brute-force", brute_force, (429,), page=True,
             says="För många misslyckade inloggningar"),
        Case("login-nul-in-username", lambda ctx: Agent(ctx.transport).login("fk\x00admin"),
             (400,), page=True),
        Case("login-overlong-username", lambda ctx: Agent(ctx.transport).login("x" * 10_000),
             (401,), page=True),
    ]


CASES: list[Case] = [*_bpmn_cases(), *_form_cases(), *_start_cases(), *_id_cases(),
                     *_auth_cases()]


def run_case(case: Case, ctx: Ctx) -> str | None:
    """Send `case`; None when it was refused as it must be, else what went wrong."""
    try:
        answer = case.run(ctx)
    except AssertionError as error:
        return f"{case.name}: {error}"
    return refusal_problem(case, answer)
