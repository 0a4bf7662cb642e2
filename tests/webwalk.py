"""Walking the routes through the web pages and through the API, user by user."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from workflows import Finsam

from .conftest import Browser


def form_pairs(data: dict[str, Any]) -> MultiDict[str, str]:
    """Form data as a browser would send it."""
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        elif isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        else:
            pairs.append((key, str(value)))
    return MultiDict(pairs)


class PageDesk:
    """Each step: log in as the user, find the task in the task list page, open it, post it."""

    def __init__(self, client: Any, finsam: Finsam) -> None:
        self.browser = Browser(client)
        self.finsam = finsam

    def as_user(self, username: str) -> Browser:
        self.browser.logout()
        response = self.browser.login(username)
        assert response.status_code == 302, response.data[:500]
        return self.browser

    def task_id(self, username: str, instance_id: int, bpmn_id: str, item: str | None) -> int:
        open_tasks = [
            t for t in self.finsam.engine.open_tasks_of(instance_id)
            if t.bpmn_id == bpmn_id and (item is None or t.item == item)
        ]
        assert len(open_tasks) == 1, open_tasks
        return open_tasks[0].id

    def act(self, username: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> Any:
        browser = self.as_user(username)
        task_id = self.task_id(username, instance_id, bpmn_id, item)
        listing = browser.get("/").get_data(as_text=True)
        assert f'href="/tasks/{task_id}"' in listing, f"{username} does not see task {task_id}"
        page = browser.get(f"/tasks/{task_id}")
        assert page.status_code == 200
        assert 'name="csrf_token"' in page.get_data(as_text=True)
        response = browser.post(f"/tasks/{task_id}", form_pairs(data))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def each_party(
        self, instance_id: int, bpmn_id: str, answers: dict[str, dict[str, Any]]
    ) -> None:
        for org, data in answers.items():
            self.act(org, instance_id, bpmn_id, data, item=org)

    def start_need(self, username: str, titel: str) -> int:
        browser = self.as_user(username)
        response = browser.post("/needs/new", form_pairs({"titel": titel}))
        assert response.status_code == 302
        match = re.search(r"/tasks/(\d+)", response.headers["Location"])
        assert match
        return self.finsam.engine.get_task(
            self.finsam_tenant(), int(match.group(1))).task.instance_id

    def finsam_tenant(self) -> str:
        return "nnv-skane"


class ApiDesk:
    """Each step through the JSON API with the user's bearer token."""

    def __init__(self, client: Any, finsam: Finsam) -> None:
        from workflows.users import new_token

        self.client = client
        self.finsam = finsam
        self.tokens: dict[str, str] = {}
        self._new_token = new_token

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.tokens[username] = self._new_token(self.finsam.db, username)
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def act(self, username: str, instance_id: int, bpmn_id: str, data: dict[str, Any],
            item: str | None = None) -> Any:
        listed = self.client.get("/api/tasks", headers=self.headers(username)).get_json()
        found = [t for t in listed if t["instance_id"] == instance_id and t["bpmn_id"] == bpmn_id
                 and (item is None or t["item"] == item)]
        assert len(found) == 1, (username, bpmn_id, listed)
        detail = self.client.get(f"/api/tasks/{found[0]['id']}", headers=self.headers(username))
        assert detail.status_code == 200 and detail.get_json()["can_complete"]
        response = self.client.post(f"/api/tasks/{found[0]['id']}/complete", json=data,
                                    headers=self.headers(username))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def each_party(
        self, instance_id: int, bpmn_id: str, answers: dict[str, dict[str, Any]]
    ) -> None:
        for org, data in answers.items():
            self.act(org, instance_id, bpmn_id, data, item=org)

    def start_need(self, username: str, titel: str) -> int:
        response = self.client.post("/api/instances", json={
            "process_id": "behovsanalys", "data": {"titel": titel}},
            headers=self.headers(username))
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["id"])
