"""No page shows a raw variable name or code where a form defines a title or label: both routes
walked through the pages, every task page, list and case page kept and read as a person would."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from workflows import Finsam

from .test_web_routes import walk_both_routes
from .webwalk import PageDesk

FORMS = Path(__file__).resolve().parents[1] / "diagrams" / "forms"
# Who reads the case pages at the end of the walk: the kansli, two parties, the board, the auditor.
READERS = ("kansli", "klippan", "angelholm", "styrelse", "auditor")


def _labelled(schema: dict[str, Any], found: dict[str, str]) -> None:
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        if prop.get("title"):
            found.setdefault(key, str(prop["title"]))
        target = prop.get("items", prop)
        for option in target.get("oneOf") or []:
            if option.get("title") and "const" in option:
                found.setdefault(str(option["const"]), str(option["title"]))
        if isinstance(target, dict):
            _labelled(target, found)


def raw_codes() -> dict[str, str]:
    """Every form key and choice value that has a title, with the title a person should see."""
    found: dict[str, str] = {}
    for path in sorted(FORMS.glob("*.schema.json")):
        _labelled(json.loads(path.read_text(encoding="utf-8")), found)
    return found


def visible_text(page: str) -> str:
    """What a person reads: the page without scripts, styles and tags."""
    page = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return html.unescape(page)


def raw_shown(text: str, codes: dict[str, str]) -> set[str]:
    """The codes `text` shows as such, or as their mechanical spelling ("Forankringar")."""
    shown = set()
    for code, title in codes.items():
        for spelling in {code, code.replace("_", " ").capitalize()}:
            if spelling.casefold() == title.casefold() or spelling.casefold() in title.casefold():
                continue
            if re.search(rf"(?<![\wåäöÅÄÖ]){re.escape(spelling)}(?![\wåäöÅÄÖ])", text):
                shown.add(spelling)
    return shown


class ReadingDesk(PageDesk):
    """A desk that keeps each task page it opens before it posts."""

    def __init__(self, client: Any, finsam: Finsam) -> None:
        super().__init__(client, finsam)
        self.pages: dict[str, str] = {}

    def act(self, username: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> Any:
        browser = self.as_user(username)
        task_id = self.task_id(username, instance_id, bpmn_id, item)
        self.pages[f"{username} /"] = browser.get("/").get_data(as_text=True)
        self.pages[f"{username} /tasks/{task_id}"] = browser.get(
            f"/tasks/{task_id}").get_data(as_text=True)
        return super().act(username, instance_id, bpmn_id, data, item)


# Codes that are also plain words in the pages' own texts, where they mean just that word.
PLAIN_WORDS = frozenset({"ja", "nej", "mal", "part", "nytt_behov"})


def test_no_page_shows_a_raw_code(client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    desk = ReadingDesk(client, finsam)
    fs, esf = walk_both_routes(desk, finsam)
    need = finsam.engine.get_instance("nnv-skane", fs).parent_id
    for reader in READERS:
        browser = desk.as_user(reader)
        for url in ("/", "/instances", f"/instances/{need}", f"/instances/{fs}",
                    f"/instances/{esf}"):
            response = browser.get(url)
            if response.status_code == 200:
                desk.pages[f"{reader} {url}"] = response.get_data(as_text=True)
    desk.pages["auditor /audit"] = browser.get("/audit/").get_data(as_text=True)
    codes = {c: t for c, t in raw_codes().items() if c not in PLAIN_WORDS}
    codes.update({"insats_genomford": "Insats genomförd", "projekt_avslutat": "Projekt avslutat",
                  "routes_started": "", "forankringar": "", "stallningstaganden": ""})
    found = {page: sorted(raw_shown(visible_text(text), codes))
             for page, text in desk.pages.items()}
    assert not {page: shown for page, shown in found.items() if shown}, json.dumps(
        {page: shown for page, shown in found.items() if shown}, ensure_ascii=False, indent=0)
    assert len(desk.pages) > 30
    for page, text in desk.pages.items():
        read = visible_text(text)
        for amount in ("3500000", "5000000", "4000000"):
            assert not re.search(rf"(?<!\d){amount}(?!\d)", read), (page, amount)
        assert "(representant)" not in read and "(kansli)" not in read, page
    case = visible_text(desk.pages[f"kansli /instances/{fs}"])
    assert "3\u00a0500\u00a0000\u00a0kr" in case
    assert "Ärendet avslutades: Insats genomförd." in case



START_PAGES = {"kansli": "/", "klippan": "/", "styrelse": "/", "designer": "/designer/",
               "auditor": "/audit/", "admin": "/admin/users"}


def test_each_role_lands_on_its_own_start_page(client, finsam: Finsam) -> None:  # type: ignore[no-untyped-def]
    desk = PageDesk(client, finsam)
    for username, start in START_PAGES.items():
        desk.browser.logout()
        response = desk.browser.login(username)
        assert response.headers["Location"] == start, username
        page = visible_text(desk.browser.get(start).get_data(as_text=True))
        assert "Det här ska" not in page or start == "/", username
        if username == "auditor":
            assert "Förbundskansliet · revisor" not in page
            assert "Revisor" in page
        landing = desk.browser.get("/")
        assert landing.status_code == (200 if start == "/" else 302), username


def test_a_stand_in_is_named_with_for_whom(app) -> None:  # type: ignore[no-untyped-def]
    from webui.filters import who_did

    with app.test_request_context():
        assert who_did("af2", "af (representant) för af", {"af": "Arbetsförmedlingen"},
                       {"af2": "Anna Andersson", "af": "Bo Berg"}) == (
            "Anna Andersson (Arbetsförmedlingen) för Bo Berg")
        assert who_did("auditor", "kansli (auditor)", {"kansli": "Förbundskansliet"},
                       {"auditor": "Revisorn"}) == "Revisorn (Förbundskansliet)"
