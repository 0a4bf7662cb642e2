"""Load: client threads that start needs, claim, release and complete tasks all at once, over HTTP
(the JSON API with bearer tokens) or straight against the system.

Every client acts only through what it reads in its own task list, as a person would: a 409 means
someone was faster, and the client reads its list again. Each answer the client got is logged, so
that every 200 can be looked for in the history afterwards (tests/history.py).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import EngineError
from webui.api import task_json
from webui.errors import status_of
from workflows import Finsam
from workflows.users import capacities

TENANT = "nnv-skane"
PARTIES = ["af", "fk", "angelholm"]
# Who acts: the parties, two more members of the beredningsgrupp (they race for its tasks), the
# kansli and the styrelse. Threads take these in turn, so several threads share each user.
USERS = ["angelholm", "af", "fk", "kansli", "klippan", "styrelse", "bastad", "region-skane"]
STARTERS = {"angelholm", "af", "fk", "kansli", "klippan", "bastad", "region-skane"}
FORMS = ["bada", "finansiell_samordning", "esf_plus", "utanfor_rutinen"]


def form_data(task: dict[str, Any]) -> dict[str, Any]:
    """Valid form data for a task of the main paths (by its BPMN id and item)."""
    bpmn_id, item = task["bpmn_id"], task.get("item")
    if bpmn_id == "identifiera_behov":
        form = FORMS[task["instance_id"] % len(FORMS)]
        data = {"titel": f"Behov {task['instance_id']}", "malgrupp": "Unga vuxna hemmasittare",
                "inom_finsam_malgrupp": True, "parter": PARTIES, "finansieringsform": form}
        return {**data, "skal": "Annan huvudman"} if form == "utanfor_rutinen" else data
    fixed: dict[str, dict[str, Any]] = {
        "utforma_projektide": {"projektide": "Knutpunkt", "syfte": "Stöd", "mal": "Arbete"},
        "forankra_projektide": {"forankrad": True},
        "overenskommelse": {"overenskommelse": "overens", "projektagare": "angelholm",
                            "medfinansiarer": ["af", "fk"]},
        "medverka_ansokan": {"atagande": "Personal och medfinansiering"},
        "formulera_ansokan": {"ansokan_sammanfattning": "Knutpunkt", "sokt_belopp": 5_000_000},
        "beslut_projektansokan": {"beslut": "ja", "beslut_referens": "Dnr 1"},
        "skicka_ansokan": {"inskickad_datum": "2025-10-01"},
        "registrera_esf_beslut": {
            "esf_beslut": "beviljad", "esf_diarienummer": "2025/1", "beslut_datum": "2025-12-01",
            "beviljat_belopp": 4_000_000, "projektperiod_start": "2026-01-01",
            "projektperiod_slut": "2028-12-31"},
        "bilda_projektorganisation": {"projektorganisation": "Kansli"},
        "genomfora_projektdel": {"genomfort": "Vår del är genomförd"},
        "genomfora_projekt": {"genomford_datum": "2028-12-31"},
        "slutrapportera": {"slutrapport_datum": "2029-02-28"},
        "utforma_insats": {
            "insatstyp": "individinriktad", "preciserad_inriktning": "arbetslivsinriktad",
            "specifik_malgrupp": ["unga"], "syfte": "Stöd", "mal": "Arbete",
            "sokt_belopp": 3_500_000, "processagare": "angelholm"},
        "forankra_insats": {"forankrad": True},
        "ansvarsfordelning": {"ansvarsfordelning": "Ängelholm leder"},
        "bereda_arende": {"tjansteutlatande": "Ok", "forslag_till_beslut": "Bevilja"},
        "styrelsebeslut": {
            "styrelsebeslut": "beviljas", "beviljat_belopp": 3_500_000,
            # one calendar year: its yearly report (issue 17) is due on 31 January 2026, which
            # the worker fires at once on the wall clock; a later year would wait for its date
            "period_start": "2025-03-01", "period_slut": "2025-12-31",
            "motesdatum": "2025-02-06", "protokoll_paragraf": "§ 7"},
        "genomfora_insatsdel": {"genomfort": "Vår del är genomförd"},
        "genomfora_insats": {"deltagare_kvinnor": 12, "deltagare_man": 9,
                             "genomford_datum": "2025-12-31"},
        "rapportera_deltagare": {"arets_kvinnor": 7, "arets_man": 5},
    }
    if bpmn_id == "mandat_projektagarskap":
        return {"mandat": True, "vill_vara_projektagare": item == "angelholm",
                "medfinansierar": True}
    return dict(fixed[bpmn_id])


@dataclass
class Reply:
    """An answer: the status and the JSON body."""

    status: int
    body: Any


class Unavailable(Exception):
    """Nothing answered: the server is down, restarting, or cut the connection."""


class Client(Protocol):
    user: str

    def call(self, method: str, path: str, body: Any = None) -> Reply: ...


class HttpClient:
    """The JSON API over real HTTP with a bearer token (no proxy, no keep-alive)."""

    def __init__(self, base_url: str, token: str, user: str, timeout: float = 60.0) -> None:
        self.base_url = base_url
        self.token = token
        self.user = user
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json", **(headers or {})})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(int(response.status), _json(response.read()))
        except urllib.error.HTTPError as error:
            try:
                body = error.read()
            except (http.client.HTTPException, OSError) as cut:  # died while answering
                raise Unavailable(str(cut)) from cut
            return Reply(int(error.code), _json(body))
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise Unavailable(str(error)) from error


class DirectClient:
    """The same calls straight against a system (no HTTP), statuses as the web app maps them."""

    def __init__(self, finsam: Finsam, user: str) -> None:
        self.finsam = finsam
        self.user = user
        self.capacity = capacities(finsam.db, user)[0]

    def call(self, method: str, path: str, body: Any = None) -> Reply:
        parts = path.strip("/").split("/")  # api, tasks|instances, id, action
        try:
            if parts[1] == "tasks" and len(parts) == 2:
                return Reply(200, [task_json(t) for t in self.finsam.task_list(self.capacity)])
            if parts[1] == "instances":
                result = self.finsam.start_instance(self.capacity, body["process_id"],
                                                    body["data"])
                return Reply(201, {"id": result.instance.id})
            task_id, action = int(parts[2]), parts[3]
            if action == "claim":
                self.finsam.claim_task(self.capacity, task_id)
            elif action == "unclaim":
                self.finsam.unclaim_task(self.capacity, task_id)
            else:
                self.finsam.complete_task(self.capacity, task_id, body)
            return Reply(200, {"id": task_id})
        except EngineError as error:
            return Reply(status_of(error), {"error": error.code, "message": str(error)})


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


@dataclass
class LoadLog:
    """What the clients asked and were answered."""

    answered: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    completed: dict[int, str] = field(default_factory=dict)  # task id -> user, from 200s
    completed_twice: list[int] = field(default_factory=list)
    claimed: list[tuple[int, str]] = field(default_factory=list)
    started: list[tuple[int, str]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    unavailable: int = 0
    seconds: float = 0.0
    timed_out: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, status: int) -> int:
        return sum(n for (_, s), n in self.statuses.items() if s == status)

    def record(self, op: str, reply: Reply, expected: tuple[int, ...], what: str) -> None:
        with self.lock:
            self.answered += 1
            self.statuses[(op, reply.status)] += 1
            if reply.status not in expected:
                self.unexpected.append(f"{what} -> {reply.status} {str(reply.body)[:300]}")


class Load:
    """`threads` clients working until `needs` needs and everything they started are done."""

    def __init__(self, make_client: Callable[[str], Client], count_open: Callable[[], int],
                 threads: int, needs: int, timeout: float, seed: int = 7) -> None:
        if threads < len(USERS):
            raise ValueError(f"at least {len(USERS)} threads: one for each user who must act")
        self.make_client = make_client
        self.count_open = count_open
        self.threads = threads
        self.timeout = timeout
        self.seed = seed
        self.log = LoadLog()
        self.stop = threading.Event()
        self._needs_left = needs
        self._starting = 0
        self._writing = 0
        self._lock = threading.Lock()

    def wait_for_a_write(self, timeout: float = 3.0) -> bool:
        """Wait until some client has a write (start, claim, complete) on its way; for a fault
        to land in the middle of one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            with self._lock:
                if self._writing:
                    return True
            time.sleep(0.001)
        return False

    def run(self, during: Callable[[Load], None] | None = None) -> LoadLog:
        """Run the clients (and `during` in its own thread, e.g. to kill the server)."""
        started = time.monotonic()
        workers = [threading.Thread(target=self._work, args=(i,), daemon=True)
                   for i in range(self.threads)]
        for worker in workers:
            worker.start()
        helper = None
        if during is not None:
            helper = threading.Thread(target=during, args=(self,), daemon=True)
            helper.start()
        deadline = started + self.timeout
        quiet = 0
        while time.monotonic() < deadline:
            time.sleep(0.3)
            with self._lock:
                pending = self._needs_left > 0 or self._starting > 0
            try:
                busy = pending or self.count_open() > 0
            except Exception:  # the database is reachable; a hiccup only delays the check
                busy = True
            quiet = 0 if busy else quiet + 1
            if quiet >= 2 and (helper is None or not helper.is_alive()):
                break
        else:
            self.log.timed_out = True
        self.stop.set()
        for worker in workers:
            worker.join(timeout=120)
        if helper is not None:
            helper.join(timeout=120)
        self.log.seconds = time.monotonic() - started
        return self.log

    def _take_start(self, rng: random.Random) -> bool:
        with self._lock:
            if self._needs_left > 0 and rng.random() < 0.3:
                self._needs_left -= 1
                self._starting += 1
                return True
            return False

    def _call(self, client: Client, op: str, method: str, path: str,
              body: Any = None) -> Reply | None:
        """Ask until answered (the server may be down for a while); None when stopping."""
        while True:
            if method == "POST":
                with self._lock:
                    self._writing += 1
            try:
                return client.call(method, path, body)
            except Unavailable:
                with self.log.lock:
                    self.log.unavailable += 1
                if self.stop.is_set():
                    return None
                time.sleep(0.2)
            finally:
                if method == "POST":
                    with self._lock:
                        self._writing -= 1

    def _work(self, index: int) -> None:
        try:
            self._client_loop(index)
        except Exception as error:  # a client that dies is a failure the checks must see
            with self.log.lock:
                self.log.unexpected.append(f"client {index} crashed: {error!r}")

    def _client_loop(self, index: int) -> None:
        user = USERS[index % len(USERS)]
        client = self.make_client(user)
        rng = random.Random(self.seed * 1000 + index)
        while not self.stop.is_set():
            if user in STARTERS and self._take_start(rng):
                self._start(client, user)
                continue
            listed = self._call(client, "list", "GET", "/api/tasks")
            if listed is None:
                return
            self.log.record("list", listed, (200,), f"{user} GET /api/tasks")
            tasks = [t for t in listed.body if t.get("claimed_by") in (None, user)] \
                if listed.status == 200 else []
            if not tasks:
                time.sleep(0.05 + rng.random() * 0.1)
                continue
            self._act(client, user, rng.choice(tasks), rng)

    def _start(self, client: Client, user: str) -> None:
        try:
            body = {"process_id": "behovsanalys", "data": {"titel": f"Behov av {user}"}}
            reply = self._call(client, "start", "POST", "/api/instances", body)
            if reply is None:
                return
            self.log.record("start", reply, (201,), f"{user} POST /api/instances")
            if reply.status == 201:
                with self.log.lock:
                    self.log.started.append((int(reply.body["id"]), user))
        finally:
            with self._lock:
                self._starting -= 1

    def _act(self, client: Client, user: str, task: dict[str, Any], rng: random.Random) -> None:
        base = f"/api/tasks/{task['id']}"
        if rng.random() < 0.3:
            reply = self._call(client, "claim", "POST", base + "/claim")
            if reply is None:
                return
            self.log.record("claim", reply, (200, 409), f"{user} claim {task['id']}")
            if reply.status != 200:
                return
            with self.log.lock:
                self.log.claimed.append((task["id"], user))
            if rng.random() < 0.3:
                reply = self._call(client, "unclaim", "POST", base + "/unclaim")
                if reply is not None:
                    self.log.record("unclaim", reply, (200, 409), f"{user} unclaim {task['id']}")
                return
        reply = self._call(client, "complete", "POST", base + "/complete", form_data(task))
        if reply is None:
            return
        self.log.record("complete", reply, (200, 409),
                        f"{user} complete {task['id']} {task['bpmn_id']}")
        if reply.status == 200:
            with self.log.lock:
                if task["id"] in self.log.completed:
                    self.log.completed_twice.append(task["id"])
                self.log.completed[task["id"]] = user


def race(clients: list[Client], path: str, body: Any = None) -> list[Reply]:
    """Every client POSTs to `path` at the same moment; their answers, in client order."""
    barrier = threading.Barrier(len(clients))
    replies: list[Reply | None] = [None] * len(clients)

    def run(index: int) -> None:
        barrier.wait()
        try:
            replies[index] = clients[index].call("POST", path, body)
        except Unavailable as error:
            replies[index] = Reply(0, str(error))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [r if r is not None else Reply(0, "no answer") for r in replies]
