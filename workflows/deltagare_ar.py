"""Participants per year while an insats runs (004 §3.2, §3.3.1; docs/followup.md).

After *Beviljas* the Finsam route splits: beside the parties' work and the processägare's report
at the end (A5), a yearly loop waits until 31 January after each calendar year of the granted
period (`arsrapport_dags`, on the engine's clock through `finsam worker`) and asks the
processägare for that year's participants (`rapportera_deltagare`). The year is never typed: it
is the first year of the period plus the number of years already reported, as the diagram's
timer and its gateway *Fler år?* compute it. Each report is appended to the list variable
`deltagare_per_ar` and copied, after the step and in its transaction, into the table
`insats_deltagare_ar`, which the follow-up sums per year with SQL.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import Base, StepData

from .catalogue import FINSAM_PROCESS
from .insats_model import FOLJS_INTE_UPP, FOLJS_UPP, INDIVIDINRIKTAD, STRUKTUROVERGRIPANDE

TASK = "rapportera_deltagare"
REPORTS = "deltagare_per_ar"  # the list variable: one {ar, kvinnor, man, personal, ...} a year
KVINNOR, MAN = "arets_kvinnor", "arets_man"
UPPFOLJNING, PERSONAL = "arets_personal_uppfoljning", "arets_personal_antal"

Errors = dict[str, str]


class InsatsDeltagareAr(Base):
    """One insats's participants of one calendar year, as its processägare reported them."""

    __tablename__ = "insats_deltagare_ar"
    __table_args__ = (
        UniqueConstraint("instance_id", "ar", name="uq_insats_deltagare_ar"),
        Index("ix_insats_deltagare_ar_tenant", "tenant", "ar"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    ar: Mapped[int] = mapped_column(Integer)
    kvinnor: Mapped[int | None] = mapped_column(Integer)
    man: Mapped[int | None] = mapped_column(Integer)
    personal: Mapped[int | None] = mapped_column(Integer)
    # True: the staff is followed up (`personal` is the number); False: "följs inte upp";
    # None: an individinriktad insats.
    personal_foljs_upp: Mapped[bool | None] = mapped_column(Boolean)


def first_year(data: dict[str, Any]) -> int | None:
    """The first calendar year of the granted period, or None without one."""
    start = data.get("period_start")
    if not isinstance(start, str) or len(start) < 4 or not start[:4].isdigit():
        return None
    return int(start[:4])


def year_to_report(data: dict[str, Any]) -> int | None:
    """The year the open yearly report is for: the period's first year plus the years reported."""
    first = first_year(data)
    reports = data.get(REPORTS)
    if first is None or not isinstance(reports, list):
        return None
    return first + len(reports)


def on_grant(form: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A4: a granted insats starts with no yearly report (the loop counts the list)."""
    if form.get("styrelsebeslut") == "beviljas" and not isinstance(data.get(REPORTS), list):
        return {REPORTS: []}
    return {}


def form_for(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The yearly form names its year in the title (the year is not a field: nobody types it)."""
    year = year_to_report(data)
    if year is None:
        return schema
    prepared = copy.deepcopy(schema)
    prepared["title"] = f"Deltagare under {year}"
    return prepared


def check(form: dict[str, Any], data: dict[str, Any]) -> Errors:
    """What 004 follows up of one year, by the insats's insatstyp (the form is cut to it)."""
    if year_to_report(data) is None:
        return {"": "insatsen saknar beviljad period; be förbundskansliet kontrollera "
                    "styrelsens beslut"}
    if data.get("insatstyp") == INDIVIDINRIKTAD:
        return {field: "ange antalet deltagare under året (0 om ingen)"
                for field in (KVINNOR, MAN) if field not in form}
    if data.get("insatstyp") != STRUKTUROVERGRIPANDE:
        return {}
    choice = form.get(UPPFOLJNING)
    if choice is None:
        return {UPPFOLJNING: "välj om antalet deltagande personal följs upp"}
    if choice == FOLJS_UPP and form.get(PERSONAL) is None:
        return {PERSONAL: "ange antalet deltagare från parternas personal, eller välj att det "
                          "inte följs upp"}
    if choice == FOLJS_INTE_UPP and form.get(PERSONAL) is not None:
        return {PERSONAL: "antalet följs inte upp: lämna fältet tomt, eller välj att det följs "
                          "upp"}
    return {}


def record(form: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The derived variables of a yearly report: the list with this year's figures appended."""
    year = year_to_report(data)
    entry: dict[str, Any] = {"ar": year}
    if data.get("insatstyp") == INDIVIDINRIKTAD:
        entry.update(kvinnor=form.get(KVINNOR), man=form.get(MAN))
    elif UPPFOLJNING in form:
        entry.update(personal_uppfoljning=form[UPPFOLJNING], personal=form.get(PERSONAL))
    return {REPORTS: [*(data.get(REPORTS) or []), entry]}


def write_rows(session: Session, step: StepData) -> None:
    """After a step: copy the yearly reports the instance's data gained into
    `insats_deltagare_ar` (a year already there is kept as it was: reports are appended,
    never changed)."""
    if step.process_id != FINSAM_PROCESS:
        return
    reports = step.data.get(REPORTS)
    if not isinstance(reports, list) or reports == step.previous.get(REPORTS):
        return
    stored = set(session.scalars(select(InsatsDeltagareAr.ar).where(
        InsatsDeltagareAr.instance_id == step.instance_id)))
    for entry in reports:
        year = entry.get("ar") if isinstance(entry, dict) else None
        if not isinstance(year, int) or year in stored:
            continue
        stored.add(year)
        followed = entry.get("personal_uppfoljning")
        session.add(InsatsDeltagareAr(
            tenant=step.tenant, instance_id=step.instance_id, ar=year,
            kvinnor=_count(entry.get("kvinnor")), man=_count(entry.get("man")),
            personal=_count(entry.get("personal")),
            personal_foljs_upp=None if followed is None else followed == FOLJS_UPP))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
