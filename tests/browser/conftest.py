"""Browser fixtures: Debian's Chromium driven by Playwright, the app on a real server with a
fresh database per module, and `ui.visit`/`ui.check`, which run axe-core's WCAG 2.1 A/AA rules
on the page at 1280 and 375 px and keep a full-page screenshot of each width.

Playwright's own browsers are never downloaded: Chromium comes from `apt-get install chromium`,
axe-core from `npm ci`. Without them the suite is skipped, or fails when CI is set."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from workflows import Finsam
from workflows.demo import DEMO_PASSWORD, load_demo

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FINSAM_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
WIDTHS = (1280, 375)
HEIGHT = 800
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000
CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')
# Reflow (WCAG 1.4.10): the page must not scroll sideways (a wide table scrolls inside its own
# box). Returns the likely culprits: what sticks out and is not inside a scrolling box (or is
# positioned out of it).
REFLOW = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const right = (el) => el.getBoundingClientRect().right;
    const inScrollBox = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
    };
    return [...document.querySelectorAll('body *')]
        .filter(el => right(el) > width + 1
                && (!inScrollBox(el) || getComputedStyle(el).position === 'absolute'))
        .sort((a, b) => right(b) - right(a)).slice(0, 5)
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
            + ' right=' + Math.round(right(el)));
}"""


def unavailable(reason: str) -> NoReturn:
    """Fail in CI (the browser suite must run there), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# -- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_api() -> Iterator[Any]:
    """Playwright's sync API, checked for its prerequisites once per session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)")
    if not AXE.exists():
        unavailable(f"{AXE.relative_to(ROOT)} not found: install Node.js and run `npm ci`")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_api: Any) -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    browser = playwright_api.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    """Screenshots of this run only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


def new_context(chromium: Any, **options: Any) -> Any:
    """A browser context as a Swedish user has it: Swedish first, Stockholm time."""
    settings: dict[str, Any] = {
        "viewport": {"width": WIDTHS[0], "height": HEIGHT},
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "bypass_csp": True,  # axe is injected as a script tag; the CSP test turns this off
    }
    settings.update(options)
    context = chromium.new_context(**settings)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# -- the server ---------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log in the test output."""


@dataclass
class LiveServer:
    """The app on http://127.0.0.1:<port> over its own database with the demo förbund."""

    url: str
    database_url: str
    system: Finsam


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real HTTP server in a thread, on a free port, over a fresh SQLite database."""
    from webui import create_app

    database_url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'finsam.sqlite3'}"
    system = Finsam(database_url)
    system.init()
    load_demo(system.db)
    app = create_app({"DATABASE_URL": database_url, "SYSTEM": system,
                      "SECRET_KEY": "browser-test-secret", "SESSION_COOKIE_SECURE": False})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True,
                                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", database_url, system)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        system.close()


# -- pages, axe and screenshots -----------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(  # type: ignore[no-any-return]
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          summary: n.failureSummary}))}));
        }""",
        WCAG_TAGS,
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"        {detail}")
    return "\n".join(lines)


@dataclass
class UI:
    """One test's browser page with the checks every visited page goes through."""

    page: Any
    base: str
    test_name: str
    shots: set[str] = field(default_factory=set)
    documents: set[tuple[str, str]] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base + path

    def visit(self, path: str, name: str, status: int = 200) -> Any:
        """Load `path`, expect `status`, and check the page (axe and screenshots)."""
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (path, response)
        self.check(name)
        return response

    def check(self, name: str) -> None:
        """axe at every width (zero violations) and a full-page screenshot of each width, kept
        as test-artifacts/screenshots/<test>-<name>-<width>.png (the first page of that name)."""
        self.page.wait_for_load_state("load")
        page_url = self.page.url
        # The same document at the same address gives axe the same answer: check it once.
        document = (page_url, CSRF_VALUE.sub("", self.page.content()))
        if document in self.documents:
            return
        self.documents.add(document)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": HEIGHT})
            violations = axe_violations(self.page)
            if violations:
                pytest.fail(
                    f"axe: {len(violations)} WCAG 2.1 A/AA violation(s) on {name} ({page_url}) "
                    f"at {width} px:\n{describe_violations(violations)}", pytrace=False)
            overflow = self.page.evaluate(REFLOW)
            if overflow is not None:
                pytest.fail(f"{name} ({page_url}) scrolls sideways at {width} px (WCAG 1.4.10): "
                            f"{overflow}", pytrace=False)
            shot = f"{self.test_name}-{name}-{width}"
            if shot not in self.shots:
                self.shots.add(shot)
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
        self.page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    def check_html(self, html: str, url: str, name: str) -> None:
        """Check HTML that another context rendered (e.g. with JavaScript off, where axe cannot
        run): this page loads the same HTML at the same address, then `check(name)`."""

        def same_html(route: Any) -> None:
            route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")

        def matcher(address: str) -> bool:
            return address == url

        self.page.route(matcher, same_html)
        try:
            self.page.goto(url)
        finally:
            self.page.unroute(matcher, same_html)
        self.check(name)

    # -- common steps --

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Type into the login form and send it with Enter; land on the user's start page (the
        task list, or the auditor's, designer's and admin's own page: issue 19)."""
        self.visit("/login", "login")
        self.page.get_by_label("Användarnamn").focus()
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(password)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert self.page.url == self.url(START_PAGES.get(username, "/")), self.page.url

    def logout(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Logga ut").click()
        assert self.page.url.endswith("/login")

    def flash(self) -> str:
        return str(self.page.locator(".flashes").inner_text())


# Where a demo user without tasks lands after login.
START_PAGES = {"auditor": "/audit/", "designer": "/designer/", "admin": "/admin/users"}


def _test_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def ui(chromium: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[UI]:
    """A new browser context (no cookies) with a page on the live server."""
    context = new_context(chromium)
    try:
        yield UI(context.new_page(), live_server.url, _test_name(request))
    finally:
        context.close()
