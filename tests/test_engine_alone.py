"""The engine stands alone: its own tables, deploy, start and complete, with `workflows` (and
`webui`, and Flask) never imported, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
from pathlib import Path
from engine import Actor, Base, Database, DefaultHooks, Engine, read_source

class Lanes(DefaultHooks):
    def assign(self, ctx):
        return str(ctx.item) if ctx.item is not None else ctx.lane or "unassigned"

url, bpmn = sys.argv[1], Path(sys.argv[2])
db = Database(url)
Base.metadata.create_all(db.sa_engine)
engine = Engine(db, Lanes())
actor = Actor.of_groups("u", "t", "u (tester)", frozenset({"Requester", "Board", "a", "b"}))
deployed = engine.deploy("t", read_source(bpmn), "tester")
started = engine.start_instance(actor, "approval", {"title": "Chairs"})
done = engine.complete_task(actor, started.open_tasks[0].id, {"amount": 10, "parties": ["a"]})
events = engine.events("t", started.instance.id)
db.dispose()
print(json.dumps({
    "tables": sorted(Base.metadata.tables),
    "version": deployed.version,
    "first": [t.bpmn_id for t in started.open_tasks],
    "next": [t.bpmn_id for t in done.open_tasks],
    "events": [e.kind for e in events],
    "loaded": sorted(m for m in sys.modules
                     if m.split(".")[0] in ("workflows", "webui", "flask", "flask_login")),
}))
"""


def test_engine_runs_a_process_without_the_domain(database_url: str) -> None:
    bpmn = DATA / "engine" / "approval.bpmn"
    out = subprocess.run([sys.executable, "-c", SCRIPT, database_url, str(bpmn)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert "instance" in result["tables"] and "human_task" in result["tables"]
    assert not any(t.startswith(("app_user", "login_", "membership")) for t in result["tables"])
    assert result["version"] == 1
    assert result["first"] == ["request"]
    assert result["next"] and result["next"] != ["request"]
    assert result["events"][:2] == ["started", "completed"]
