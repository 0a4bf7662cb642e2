"""What a user does in the browser: fill a form from data with the keyboard, move focus with Tab,
and walk the routes user by user (the browser twin of tests/webwalk.py's PageDesk)."""

from __future__ import annotations

from typing import Any

from engine import TaskView
from workflows import Finsam

from .conftest import UI

SUBMIT = "main form[novalidate] button[type=submit]"
FOCUS_VISIBLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow !== 'none';
    // Keyboard focus on a part of the element's own (closed) shadow tree, e.g. a date field's
    // calendar button: Chromium says :focus-within of the field, not :focus; the field must then
    // show the ring itself (indicator), as on its date parts, which are :focus-visible.
    const ownPart = el.matches(':focus-within') && !el.matches(':focus');
    return {tag: el.tagName.toLowerCase(), name: el.name || el.id || el.textContent.trim(),
            focusVisible: el.matches(':focus-visible') || ownPart, indicator: outline || ring,
            ownPart};
}"""
TAB_LIMIT = 60


def focused(ui: UI) -> dict[str, Any] | None:
    """The focused element and whether it shows a focus indicator."""
    return ui.page.evaluate(FOCUS_VISIBLE)  # type: ignore[no-any-return]


def assert_focus_visible(ui: UI) -> dict[str, Any]:
    state = focused(ui)
    assert state is not None, "nothing has focus"
    assert state["focusVisible"] and state["indicator"], f"focus is not visible on {state}"
    return state


def tab_to(ui: UI, selector: str) -> None:
    """Press Tab until the element matching `selector` has focus; every stop on the way must show
    its focus."""
    for _ in range(TAB_LIMIT):
        ui.page.keyboard.press("Tab")
        assert_focus_visible(ui)
        if ui.page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{TAB_LIMIT} presses of Tab never reached {selector}")


def arrow_to(ui: UI, name: str, value: str) -> None:
    """In the focused radio group or select `name`, choose `value` with the arrow keys (Space
    ticks a radio that has focus but is not chosen yet)."""
    page = ui.page
    for _ in range(TAB_LIMIT):
        current = page.evaluate(
            """(name) => {
                const el = document.activeElement;
                if (el.type === 'radio') return el.checked ? el.value : ('unchecked:' + el.value);
                return el.value;
            }""", name)
        if current == value:
            return
        if current == f"unchecked:{value}":
            page.keyboard.press("Space")
            continue
        page.keyboard.press("ArrowDown")
        assert_focus_visible(ui)
    raise AssertionError(f"the arrow keys never chose {value} in {name}")


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill_form(ui: UI, data: dict[str, Any]) -> None:
    """Fill the page's form from typed data the way a keyboard user does: focus a field, type
    into it, Space on a radio or checkbox. Selects and date pickers take their value directly."""
    page = ui.page
    form = page.locator("main form[novalidate]")
    for name, value in data.items():
        fields = form.locator(f'[name="{name}"]')
        assert fields.count(), f"the form has no field {name}"
        kind = fields.first.evaluate("(el) => el.type || el.tagName.toLowerCase()")
        if kind == "checkbox":
            wanted = {_text_value(v) for v in value}
            for box in fields.all():
                if box.is_checked() != (box.get_attribute("value") in wanted):
                    box.focus()
                    page.keyboard.press("Space")
            continue
        text = _text_value(value)
        if kind == "radio":
            radio = form.locator(f'input[name="{name}"][value="{text}"]')
            if not radio.is_checked():
                radio.focus()
                page.keyboard.press("Space")
            assert radio.is_checked()
        elif kind.startswith("select"):
            fields.first.select_option(text)
        elif kind == "date":
            fields.first.fill(text)
        else:
            fields.first.focus()
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type(text)


def submit(ui: UI, button: str | None = None) -> Any:
    """Send the form (the one whose submit button is named `button`, where a page has several)
    and wait for the page that answers."""
    with ui.page.expect_navigation() as navigation:
        if button is None:
            ui.page.locator(SUBMIT).click()
        else:
            ui.page.get_by_role("button", name=button, exact=True).click()
    return navigation.value


class BrowserDesk:
    """Each step as its user does it in Chromium: log in, find the task by its link text in the
    task list, open it, fill the form, send it, and read the confirmation. Every page on the way
    goes through axe at both widths."""

    def __init__(self, ui: UI, system: Finsam, tenant: str = "nnv-skane") -> None:
        self.ui = ui
        self.system = system
        self.tenant = tenant
        self.user: str | None = None

    def as_user(self, username: str) -> None:
        if self.user == username:
            self.ui.visit("/", f"tasks-{username}")
            return
        if self.user is not None:
            self.ui.logout()
        self.ui.login(username)
        self.user = username
        self.ui.check(f"tasks-{username}")

    def open_task(self, instance_id: int, bpmn_id: str, item: str | None) -> TaskView:
        found: list[TaskView] = [t for t in self.system.engine.open_tasks_of(instance_id)
                 if t.bpmn_id == bpmn_id and (item is None or t.item == item)]
        assert len(found) == 1, found
        task = found[0]
        page = self.ui.page
        link = page.get_by_role("link", name=task.name, exact=True).and_(
            page.locator(f'[href="/tasks/{task.id}"]'))
        assert link.count() == 1, f"{self.user} does not see {task.name!r} ({task.id}) in the list"
        with page.expect_navigation():
            link.click()
        assert page.locator("h1").inner_text() == task.name
        self.ui.check(f"task-{bpmn_id}")
        return task

    def act(self, username: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> str:
        self.as_user(username)
        task = self.open_task(instance_id, bpmn_id, item)
        fill_form(self.ui, data)
        response = submit(self.ui)
        assert response.status == 200 and self.ui.page.url == self.ui.url("/"), (
            response.status, self.ui.page.locator("main").inner_text()[:2000])
        message = self.ui.flash()
        assert message.startswith("Klart."), message
        self.ui.check(f"done-{bpmn_id}")
        closed = [t for t in self.system.engine.open_tasks_of(instance_id) if t.id == task.id]
        assert closed == [], f"task {task.id} is still open"
        return message

    def each_party(
        self, instance_id: int, bpmn_id: str, answers: dict[str, dict[str, Any]]
    ) -> None:
        for org, data in answers.items():
            self.act(org, instance_id, bpmn_id, data, item=org)

    def start_need(self, username: str, titel: str) -> int:
        self.as_user(username)
        page = self.ui.page
        with page.expect_navigation():
            page.get_by_role("link", name="Registrera ett nytt behov").first.click()
        self.ui.check("new-need")
        fill_form(self.ui, {"titel": titel})
        submit(self.ui)
        assert "/tasks/" in page.url, page.url
        self.ui.check("need-recorded")
        task_id = int(page.url.rsplit("/", 1)[1])
        return int(self.system.engine.get_task(self.tenant, task_id).task.instance_id)
