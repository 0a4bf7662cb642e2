"""The report's results by part (001 §2.1: several kommuner form one part, several regions
one part), so national totals add up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from ..models import Forbund, Organisation
from ..parties import KIND_NAMES, PARTY_KINDS

# A projektägare, medfinansiär or processägare no longer among the förbund's members.
OKAND_PART = "okand"
# A granted insats without a processägare.
INGEN_PART = "ingen"


def part_of(tenant: Any, org: Any) -> ColumnElement[str]:
    """The part of the member `org` names in the förbund `tenant` (two columns of the query):
    its kind; `okand` when no longer a member; `ingen` when no member is named."""
    kind = (select(Organisation.kind)
            .join(Forbund, Forbund.id == Organisation.forbund_id)
            .where(Forbund.slug == tenant, Organisation.slug == org,
                   Organisation.kind.in_(PARTY_KINDS))
            .scalar_subquery())
    return case((func.coalesce(org, "") == "", INGEN_PART),
                else_=func.coalesce(kind, OKAND_PART))


def listed(counted: Iterable[dict[str, Any]], money: bool) -> list[dict[str, Any]]:
    """Aggregated rows (`part`, `antal`, and `belopp` with `money`) as the report's list: every
    party kind, then `okand` and `ingen` when they count anything."""
    totals = {k: {"antal": 0, "belopp": 0} for k in (*PARTY_KINDS, OKAND_PART, INGEN_PART)}
    for row in counted:
        figures = totals.setdefault(row["part"], {"antal": 0, "belopp": 0})
        figures["antal"] += int(row["antal"])
        figures["belopp"] += int(row.get("belopp") or 0)
    return [{"part": k, "namn": PART_NAMES.get(k, k), "antal": v["antal"],
             **({"belopp": v["belopp"]} if money else {})}
            for k, v in totals.items() if k in PARTY_KINDS or v["antal"]]


PART_NAMES = {**KIND_NAMES, OKAND_PART: "Inte längre medlem", INGEN_PART: "Ingen processägare"}
