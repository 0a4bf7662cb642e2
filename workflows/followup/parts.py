"""The report's results by part (001 §2.1: several kommuner form one part, several regions
one part), so national totals add up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Forbund, Organisation
from ..parties import KIND_NAMES, PARTY_KINDS

# A projektägare, medfinansiär or processägare no longer among the förbund's members.
OKAND_PART = "okand"


def part_kinds(session: Session, tenants: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """{(förbund, member slug): its part (af, fk, kommun, region)} for the förbund's members."""
    rows = session.execute(
        select(Forbund.slug, Organisation.slug, Organisation.kind)
        .join(Forbund, Forbund.id == Organisation.forbund_id)
        .where(Forbund.slug.in_(tenants), Organisation.kind.in_(PARTY_KINDS)))
    return {(forbund, org): kind for forbund, org, kind in rows}


def by_part(part: dict[str, Any], kinds: dict[tuple[str, str], str],
            tenant: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The results of one report part by part, not by member: each figure's rows add up to its
    total. ESF+: the agreed ideas by their projektägare's part (add up to the agreed ideas),
    and per part the agreed ideas it co-finances (a part with two kommuner as medfinansiärer
    counts the idea once). Finsam: the granted insatser and their amounts by the processägare's
    part (add up to `beviljade` and `beviljat_belopp`; `ingen` without a processägare)."""
    def kind(forbund: str, org: str | None) -> str:
        return kinds.get((forbund, org), OKAND_PART) if org else "ingen"

    def zeros(*extra: str) -> dict[str, dict[str, int]]:
        return {k: {"antal": 0, "belopp": 0} for k in (*PARTY_KINDS, *extra)}

    def listed(counted: dict[str, dict[str, int]], money: bool) -> list[dict[str, Any]]:
        return [{"part": k, "namn": PART_NAMES[k], "antal": v["antal"],
                 **({"belopp": v["belopp"]} if money else {})}
                for k, v in counted.items() if k in PARTY_KINDS or v["antal"]]

    if "projekt" in part:
        owners, cofinanciers = zeros(OKAND_PART), zeros(OKAND_PART)
        for row in part["projekt"]:
            if (tenant and row["forbund"] != tenant) or not row["projektagare"]:
                continue
            owners[kind(row["forbund"], row["projektagare"])]["antal"] += 1
            for k in {kind(row["forbund"], org) for org in row["medfinansiarer"]}:
                cofinanciers[k]["antal"] += 1
        return {"projektagare_per_part": listed(owners, False),
                "medfinansiarer_per_part": listed(cofinanciers, False)}
    owners = zeros(OKAND_PART, "ingen")
    for row in part["insatslista"]:
        if (tenant and row["forbund"] != tenant) or row["styrelsebeslut"] != "beviljas":
            continue
        figures = owners[kind(row["forbund"], row["processagare"])]
        figures["antal"] += 1
        figures["belopp"] += row["beviljat_belopp"] or 0
    return {"processagare_per_part": listed(owners, True)}


PART_NAMES = {**KIND_NAMES, OKAND_PART: "Inte längre medlem", "ingen": "Ingen processägare"}
