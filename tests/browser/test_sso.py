"""Signing in through a real OpenID Connect provider in the browser, and with a password beside
it: the login page's button, the provider's own login and consent pages, back to the task list
as the account an admin added with that verified e-mail; logging out; a local account next."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from workflows import Finsam
from workflows.demo import load_demo
from workflows.people import invite

from ..test_sso import providers, start_provider
from .conftest import UI, _QuietHandler, _test_name, new_context


@dataclass
class SsoServer:
    url: str
    system: Finsam


@contextmanager
def app_with_provider(folder: Path, callback: str, configure: Callable[[Finsam, str], list[Any]],
                      accounts: dict[str, dict[str, Any]] | None = None
                      ) -> Iterator[tuple[str, Finsam]]:
    """The app on a free loopback port over a demo system in `folder`, beside the test
    provider, which knows the app's `callback` path at that port (and `accounts`, when given);
    `configure(system, issuer)` prepares the system and returns the app's identity providers.
    Yields the app's base URL and the system; stops both after."""
    from webui import create_app

    holder: dict[str, Any] = {}
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True,
        request_handler=_QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    provider, issuer = start_provider([f"{base}{callback}"], accounts)
    database_url = f"sqlite:///{folder / 'finsam.sqlite3'}"
    system = Finsam(database_url)
    system.init()
    load_demo(system.db)
    holder["app"] = create_app({"DATABASE_URL": database_url, "SYSTEM": system,
                                "SECRET_KEY": "browser-test-secret",
                                "SESSION_COOKIE_SECURE": False,
                                "OIDC_PROVIDERS": configure(system, issuer)})
    thread = threading.Thread(target=server.serve_forever, name="sso-server", daemon=True)
    thread.start()
    try:
        yield base, system
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        provider.terminate()
        provider.wait(timeout=10)
        if provider.stdout is not None:
            provider.stdout.close()
        system.close()


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoServer]:
    """The app on a free loopback port with the test provider configured, which knows the app's
    callback at that port."""
    def configure(system: Finsam, issuer: str) -> list[Any]:
        # Invited at the address her identity provider vouches for (linking reads that address).
        invite(system.db, "nnv-skane", "anna", "anna@af.example", "af", "representant",
               "Anna Andersson", "admin")
        return providers(issuer)[:1]

    with app_with_provider(tmp_path_factory.mktemp("sso"), "/login/sso/test-idp/callback",
                           configure) as (base, system):
        yield SsoServer(base, system)


@pytest.fixture
def sso_ui(chromium: Any, sso_server: SsoServer, request: pytest.FixtureRequest
           ) -> Iterator[UI]:
    context = new_context(chromium)
    try:
        yield UI(context.new_page(), sso_server.url, _test_name(request))
    finally:
        context.close()


def test_sign_in_through_the_provider_and_with_a_password(sso_ui: UI) -> None:
    page = sso_ui.page
    sso_ui.visit("/login", "login-with-sso")
    page.get_by_role("link", name="Logga in via Testregionen").click()
    page.wait_for_selector("input[name=login]")  # the provider's own login page
    page.fill("input[name=login]", "anna-sub")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=prompt][value=consent]", state="attached")
    with page.expect_navigation(url=sso_ui.url("/")):
        page.click("button[type=submit]")
    assert "Anna Andersson" in page.locator(".who-name").inner_text()
    sso_ui.check("tasks-after-sso")
    sso_ui.logout()
    page.goto(sso_ui.url("/"))  # the local session has ended
    assert "/login" in page.url
    sso_ui.login("af")  # a local account beside it
    assert page.locator(".who-name").inner_text().strip()
