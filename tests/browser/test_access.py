"""What each user may see, the page structure every page shares, and the CSP in a real browser.

A new page gets its test in three lines: log in as its user, `ui.visit(path, name)` (axe at
both widths and the screenshots), then assert what the page shows, e.g. the auditor's replay:
`ui.login("auditor"); ui.visit(f"/audit/instances/{iid}", "replay")`."""

from __future__ import annotations

from typing import Any

from ..test_processes import DESIGN, ESF_PARTIES, FINSAM_PARTIES, IDEA
from ..walk import Desk
from .conftest import UI, LiveServer, new_context
from .steps import tab_to

EVERYONE = sorted(set(FINSAM_PARTIES) | set(ESF_PARTIES))


def both_routes_at_the_board(live_server: LiveServer) -> tuple[int, int, int]:
    """A need that started both routes; the finansiell samordning waits for the styrelse's
    decision, the ESF+ route for the parties' anchoring. Returns the need and the two routes."""
    desk = Desk(live_server.database_url)
    result, started = desk.need(EVERYONE, "bada")
    fs, esf = started["finansiell_samordning"].id, started["esf_plus"].id
    desk.act("angelholm", fs, "utforma_insats", DESIGN)
    desk.each_party(fs, "forankra_insats", {org: {"forankrad": True} for org in EVERYONE})
    desk.act("region-skane", fs, "ansvarsfordelning", {"ansvarsfordelning": "Ängelholm leder"})
    desk.act("kansli", fs, "bereda_arende", {"tjansteutlatande": "Ok", "forslag_till_beslut": "Ja"})
    desk.act("fk", esf, "utforma_projektide", IDEA)
    return result.instance.id, fs, esf


def test_the_styrelse_never_sees_an_esf_case(ui: UI, live_server: LiveServer) -> None:
    need, fs, esf = both_routes_at_the_board(live_server)
    engine = live_server.system.engine
    esf_task = engine.open_tasks_of(esf)[0]
    board_task = next(t for t in engine.open_tasks_of(fs) if t.bpmn_id == "styrelsebeslut")

    ui.login("styrelse")
    ui.check("tasks")
    main = ui.page.locator("main")
    assert ui.page.locator(f'a[href="/tasks/{board_task.id}"]').count() == 1
    assert "ESF" not in main.inner_text()
    assert ui.page.locator('main a[href*="process=esf_plus"]').count() == 0

    ui.visit("/instances", "instances")
    hrefs = main.locator("a").evaluate_all("(links) => links.map(a => a.getAttribute('href'))")
    assert f"/instances/{fs}" in hrefs and f"/instances/{esf}" not in hrefs
    assert "ESF" not in main.inner_text()
    assert ui.page.locator('#filter-process option[value="esf_plus"]').count() == 0
    ui.visit("/instances?process=esf_plus", "instances-esf-filter")
    assert main.locator("tbody tr").count() == 0

    ui.visit(f"/instances/{fs}", "instance-fs")
    assert "ESF" not in main.inner_text()
    assert main.locator(f'a[href="/instances/{need}"], a[href="/instances/{esf}"]').count() == 0
    # The ESF+ route, and the need that started it, do not exist for the styrelse.
    ui.visit(f"/instances/{need}", "need-404", status=404)
    ui.visit(f"/instances/{esf}", "esf-case-404", status=404)
    ui.visit(f"/tasks/{esf_task.id}", "esf-task-404", status=404)
    assert "ESF" not in main.inner_text()

    # A party to the ESF+ route does see it (the 404 above is the styrelse's, not a broken link).
    ui.logout()
    ui.login("fk")
    ui.visit(f"/instances/{esf}", "esf-case-party")


LANDMARKS = """() => ({
    banner: document.querySelectorAll('body > header').length,
    main: document.querySelectorAll('main#main').length,
    contentinfo: document.querySelectorAll('body > footer').length,
    nav: [...document.querySelectorAll('nav')].map(n => n.getAttribute('aria-label')),
    h1: document.querySelectorAll('h1').length,
    skip: document.querySelector('body > a.skip-link')?.getAttribute('href'),
    lang: document.documentElement.lang,
    title: document.title,
})"""


def test_every_page_has_its_landmarks_and_a_skip_link(ui: UI, live_server: LiveServer) -> None:
    ui.visit("/login", "login")
    signed_out = ui.page.evaluate(LANDMARKS)
    assert signed_out["skip"] == "#main" and signed_out["main"] == 1 and signed_out["h1"] == 1
    assert signed_out["lang"] == "sv" and signed_out["title"] == "Logga in – finsam-flow"
    ui.login("admin")
    for path, name in (("/admin/users", "admin-users"), ("/", "tasks"), ("/nowhere", "404")):
        ui.visit(path, name, status=404 if name == "404" else 200)
        found = ui.page.evaluate(LANDMARKS)
        assert (found["banner"], found["main"], found["contentinfo"], found["h1"]) == (1, 1, 1, 1)
        assert found["skip"] == "#main" and "Huvudmeny" in found["nav"], found
    # Every stop from the top of the page to the language switch in the footer shows its focus;
    # English on request, with the page's language following.
    ui.page.goto(ui.url("/admin/users"))
    tab_to(ui, 'footer button[lang="en"]')
    with ui.page.expect_navigation():
        ui.page.keyboard.press("Enter")
    ui.check("english")
    assert ui.page.evaluate(LANDMARKS)["lang"] == "en"


INLINE_PROBE = """() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.head.append(script);
    const styled = document.createElement('p');
    styled.setAttribute('style', 'color: red');
    document.body.append(styled);
    return new Promise(resolve => setTimeout(() => resolve({
        ran: window.inlineRan === true,
        color: getComputedStyle(styled).color,
    }), 50));
}"""
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.cspViolations.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline')));
"""


def test_pages_run_no_inline_script_under_the_csp(chromium: Any, live_server: LiveServer) -> None:
    """Without Playwright's CSP bypass: the pages need nothing the policy forbids, and the policy
    does stop an inline script."""
    context = new_context(chromium, bypass_csp=False)
    context.add_init_script(COLLECT_VIOLATIONS)
    try:
        page = context.new_page()
        ui = UI(page, live_server.url, "csp")
        response = page.goto(ui.url("/login"))
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page.get_by_label("Användarnamn").fill("angelholm")
        page.get_by_label("Lösenord").fill("finsam-demo")
        with page.expect_navigation():
            page.get_by_role("button", name="Logga in").click()
        for path in ("/", "/instances", "/needs/new"):
            page.goto(ui.url(path))
            assert page.locator("script:not([src])").count() == 0
            handlers = page.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes])"
                ".filter(a => a.name.startsWith('on') || a.name === 'style').map(a => a.name)")
            assert handlers == [], f"{path} has inline handlers or styles: {handlers}"
            assert page.evaluate("() => window.cspViolations") == [], path
        probe = page.evaluate(INLINE_PROBE)
        assert probe == {"ran": False, "color": "rgb(27, 31, 36)"}, probe
        blocked = page.evaluate("() => window.cspViolations")
        assert any(v.startswith("script-src") for v in blocked), blocked
    finally:
        context.close()


def test_the_auditor_reads_everything_and_changes_nothing(ui: UI, live_server: LiveServer) -> None:
    need, fs, esf = both_routes_at_the_board(live_server)
    board_task = next(t for t in live_server.system.engine.open_tasks_of(fs)
                      if t.bpmn_id == "styrelsebeslut")
    ui.login("auditor")
    ui.check("start")
    ui.visit("/instances", "instances")
    hrefs = ui.page.locator("main a").evaluate_all(
        "(links) => links.map(a => a.getAttribute('href'))")
    assert {f"/instances/{i}" for i in (need, fs, esf)} <= set(hrefs)
    ui.visit(f"/instances/{esf}", "instance-esf")
    ui.visit(f"/instances/{fs}", "instance-fs")
    assert ui.page.locator(".timeline li").count() >= 5
    ui.visit(f"/tasks/{board_task.id}", "task-read-only")
    assert "Du kan läsa men inte ändra" in ui.page.locator("main").inner_text()
    assert ui.page.locator("main form").count() == 0


def test_the_auditor_replays_a_finished_instance_step_by_step(ui: UI, live_server: LiveServer
                                                               ) -> None:
    from .. import test_processes as walks

    desk = Desk(live_server.database_url)
    walks.test_esf_ansokan_avslagen(desk)
    esf = next(i.id for i in live_server.system.engine.list_instances(
        "nnv-skane", process_id="esf_plus"))
    ui.login("auditor")
    ui.visit("/audit/", "audit-list")
    ui.page.locator("main form button[type=submit]").first.press("Enter")
    ui.page.wait_for_load_state()
    ui.check("audit-verified")
    assert "verifierades" in ui.page.locator("main").inner_text()
    ui.visit(f"/audit/instances/{esf}?step=0", "replay-first")
    assert "Händelse 1 av" in ui.page.locator("main").inner_text()
    seen = []
    for _ in range(3):  # step forward with the keyboard through the "Nästa" link
        ui.page.locator('a[rel="next"]').focus()
        ui.page.keyboard.press("Enter")
        ui.page.wait_for_load_state()
        seen.append(ui.page.locator(".stepper-pos").inner_text())
    # 18 events: the two medfinansiärer's parts of the application (B4) are among them
    assert seen == ["Händelse 2 av 18", "Händelse 3 av 18", "Händelse 4 av 18"]
    ui.check("replay-step-4")
    image = ui.page.locator("img.diagram")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert image.get_attribute("alt")
    ui.visit(f"/audit/instances/{esf}", "replay-last")
    assert "Stämmer" in ui.page.locator("main").inner_text()


def test_the_designer_pages(ui: UI, live_server: LiveServer) -> None:
    ui.login("designer")
    ui.visit("/designer/", "designer")
    assert "esf_plus" in ui.page.locator("main").inner_text()
    ui.visit("/designer/processes/esf_plus/versions/1", "designer-version")
    ui.visit("/designer/processes/esf_plus/instances", "designer-instances")


def test_the_profile_page(ui: UI, live_server: LiveServer) -> None:
    ui.login("fk")
    ui.visit("/profile", "profile")
    assert ui.page.locator('input[name="notify"]').count() == 3
