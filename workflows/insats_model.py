"""004's model of an insats, checked when the parties design it (A2) and when the processägare
reports it done (A5): one preciserad inriktning (the form), a specifik målgrupp only for
individinriktade insatser with "Enbart kvinnor" and "Enbart män" exclusive, participants by sex
only for individinriktade insatser, and for strukturövergripande the parties' staff, optional,
with "följs inte upp" distinct from zero (004 §2.1.1, §3.2, §3.3.1, §4).

Instances that run on the forms of before this model keep them: a design with a list of
inriktningar, and a strukturövergripande insats whose A5 form still asks participants by sex,
are completed as those forms say (the follow-up reports them as not classified)."""

from __future__ import annotations

import copy
from typing import Any

Errors = dict[str, str]
INDIVIDINRIKTAD, STRUKTUROVERGRIPANDE = "individinriktad", "strukturovergripande"
FOLJS_UPP, FOLJS_INTE_UPP = "foljs_upp", "foljs_inte_upp"
# A form property that belongs to one insatstyp only: shown and accepted for that one.
FOR_INSATSTYP = "x-insatstyp"


def check_design(data: dict[str, Any]) -> Errors:
    """A2: the specifik målgrupp of 004 §4. A design on the form of before the model (its
    inriktningar a list) is checked as that form says."""
    if data.get("avbryt") is True or isinstance(data.get("preciserad_inriktning"), list):
        return {}
    groups = list(data.get("specifik_malgrupp") or [])
    if groups and data.get("insatstyp") == STRUKTUROVERGRIPANDE:
        return {"specifik_malgrupp": "specifik målgrupp anges bara för individinriktade "
                                     "insatser; ta bort valen för en strukturövergripande"}
    if "enbart_kvinnor" in groups and "enbart_man" in groups:
        return {"specifik_malgrupp": "välj antingen Enbart kvinnor eller Enbart män, inte båda"}
    return {}


def check_done(data: dict[str, Any], task_data: dict[str, Any]) -> Errors:
    """A5: what 004 follows up of the insats, by its insatstyp."""
    by_sex = "deltagare_kvinnor" in data or "deltagare_man" in data
    if task_data.get("insatstyp") == INDIVIDINRIKTAD:
        return {field: "ange antalet deltagare (0 om ingen)"
                for field in ("deltagare_kvinnor", "deltagare_man") if field not in data}
    if task_data.get("insatstyp") != STRUKTUROVERGRIPANDE or by_sex:
        return {}  # a form of before 004's model: as that form says
    choice = data.get("personal_uppfoljning")
    if choice is None:
        return {"personal_uppfoljning": "välj om antalet deltagande personal följs upp"}
    if choice == FOLJS_UPP and data.get("personal_antal") is None:
        return {"personal_antal": "ange antalet deltagare från parternas personal, eller välj "
                                  "att det inte följs upp"}
    if choice == FOLJS_INTE_UPP and data.get("personal_antal") is not None:
        return {"personal_antal": "antalet följs inte upp: lämna fältet tomt, eller välj att "
                                  "det följs upp"}
    return {}


def form_for(schema: dict[str, Any], task_data: dict[str, Any]) -> dict[str, Any]:
    """The form without the properties of the other insatstyp (`x-insatstyp`), when the
    instance has one: what the page shows and what the form accepts."""
    insatstyp = task_data.get("insatstyp")
    properties = schema.get("properties") or {}
    if insatstyp is None or not any(FOR_INSATSTYP in p for p in properties.values()):
        return schema
    prepared = copy.deepcopy(schema)
    prepared["properties"] = {name: prop for name, prop in properties.items()
                              if prop.get(FOR_INSATSTYP, insatstyp) == insatstyp}
    if "required" in prepared:
        prepared["required"] = [n for n in prepared["required"] if n in prepared["properties"]]
    return prepared
