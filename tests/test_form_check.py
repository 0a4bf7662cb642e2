"""A form file checked on its own while the designer writes it (POST /api/specs/forms/check):
the checks a deploy makes, each problem in Swedish with where it is."""

from __future__ import annotations

import json

import pytest

from engine import check_form_text
from workflows import Finsam
from workflows.users import new_token

PATH = "forms/ny.schema.json"
GOOD = json.dumps({"title": "Ny", "type": "object", "properties": {
    "namn": {"type": "string", "title": "Namn"}}}, ensure_ascii=False)


def check(client, finsam: Finsam, body: object, user: str = "designer",  # type: ignore[no-untyped-def]
          lang: str = "sv"):
    headers = {"Authorization": f"Bearer {new_token(finsam.db, user)}"}
    return client.post(f"/api/specs/forms/check?lang={lang}", json=body, headers=headers)


@pytest.mark.parametrize(("text", "code", "swedish"), [
    ('{"type": "object",\n "properties": {"a": {"type": "string"}}\n "title": "x"}',
     "form.json_syntax", f"Formuläret ”{PATH}” är inte giltig JSON: något är fel på rad 3, "
                         "tecken 2."),
    ('{"type": "object", "properties": {"namn": {"type": "strin"}}}', "form.schema_value",
     f"Formuläret ”{PATH}” är inget giltigt JSON Schema: värdet \"strin\" vid "
     "/properties/namn/type är inte tillåtet där."),
    ('{"type": "object", "required": "namn"}', "form.schema_type",
     f"Formuläret ”{PATH}” är inget giltigt JSON Schema: vid /required ska värdet vara av typen "
     "array."),
    ('{"type": "object", "properties": {"n": {"minLength": -1}}}', "form.invalid_schema",
     f"Formuläret ”{PATH}” är inget giltigt JSON Schema: värdet vid /properties/n/minLength "
     "följer inte reglerna"),
    ('{"type": "array"}', "form.not_object", f"Formuläret ”{PATH}” ska beskriva ett objekt"),
    ("[" * 200 + "]" * 200, "form.bounds", f"Formuläret ”{PATH}” är för stort eller för djupt"),
])
def test_each_problem_of_a_form_in_swedish_with_where_it_is(
        client, finsam: Finsam, text: str, code: str, swedish: str) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, finsam, {"path": PATH, "json": text})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False
    problem = body["problems"][0]
    assert problem["code"] == code and problem["file"] == PATH
    assert problem["text"].startswith(swedish), problem["text"]
    assert problem["fix"]
    english = check(client, finsam, {"path": PATH, "json": text}, lang="en").get_json()
    assert english["problems"][0]["text"] != problem["text"]
    # The same problem a deploy would find: the engine's check of the file alone.
    assert [p.code for p in check_form_text(PATH, text.encode())][0] == code


def test_a_valid_form_has_no_problems_and_every_error_is_listed(client, finsam: Finsam  # type: ignore[no-untyped-def]
                                                                ) -> None:
    assert check(client, finsam, {"path": PATH, "json": GOOD}).get_json() == {
        "ok": True, "problems": []}
    two = '{"type": "object", "required": 1, "properties": {"a": {"type": 2}}}'
    codes = [p["code"] for p in check(client, finsam, {"path": PATH, "json": two}
                                      ).get_json()["problems"]]
    assert len(codes) == 2
    # What the meta-schema's vocabularies each say of one place is said once.
    [whole] = check_form_text(PATH, b'"x"')
    assert whole.code == "form.schema_type" and dict(whole.params)["where"] == "/"
    # A pattern must be a regular expression, as a deploy checks it.
    [pattern] = check_form_text(PATH, b'{"type": "object", "pattern": "["}')
    assert pattern.code == "form.invalid_schema" and dict(pattern.params)["where"] == "/pattern"


def test_the_check_is_for_designers_and_asks_for_a_path_and_a_text(client, finsam: Finsam  # type: ignore[no-untyped-def]
                                                                   ) -> None:
    assert check(client, finsam, {"path": PATH, "json": GOOD}, user="fk").status_code == 403
    assert client.post("/api/specs/forms/check", json={"path": PATH, "json": GOOD},
                       headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert check(client, finsam, {"path": PATH}).status_code == 400
    assert check(client, finsam, ["x"]).status_code == 400
    bad = check(client, finsam, {"path": "../etc/x.json", "json": GOOD})
    assert bad.status_code == 422
    assert bad.get_json()["details"]["path"].startswith("Ange en sökväg som slutar på .json")
