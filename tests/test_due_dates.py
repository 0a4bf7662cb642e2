"""Due dates from the diagrams (issue 19): every task of a route is due when its diagram says
(`dueIn`), and the task list shows that date."""

from __future__ import annotations

from datetime import timedelta

from webui.filters import sv_date
from workflows import Finsam

from .conftest import Browser
from .test_processes import DESIGN, FINSAM_PARTIES
from .walk import Desk


def test_the_task_list_shows_each_tasks_due_date(
    browser: Browser, finsam: Finsam, database_url: str
) -> None:
    desk = Desk(database_url)
    _, routes = desk.need(FINSAM_PARTIES, "finansiell_samordning", titel="Förfallodag")
    iid = routes["finansiell_samordning"].id
    (design,) = finsam.engine.open_tasks_of(iid)
    assert design.bpmn_id == "utforma_insats"
    assert design.due_at is not None and design.due_at - design.created_at == timedelta(days=30)
    browser.login("angelholm")
    page = browser.get("/").get_data(as_text=True)
    card = page[page.index(f'href="/tasks/{design.id}"'):]
    card = card[:card.index("</li>")]
    assert f'<time datetime="{design.due_at.isoformat()}">{sv_date(design.due_at)}</time>' in card

    desk.act("angelholm", iid, "utforma_insats", {**DESIGN, "processagare": "angelholm"})
    anchoring = finsam.engine.open_tasks_of(iid)
    assert {t.bpmn_id for t in anchoring} == {"forankra_insats"}
    assert all(t.due_at is not None and t.due_at - t.created_at == timedelta(days=30)
               for t in anchoring)
    page = browser.get("/").get_data(as_text=True)
    mine = [t for t in anchoring if t.assignee == "angelholm"]
    assert mine and all(sv_date(t.due_at) in page for t in mine)
