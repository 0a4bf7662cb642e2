"""The follow-up report as plain-text tables for the command line."""

from __future__ import annotations

from typing import Any

from .rows import SECTIONS


def to_table(report: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """The report as plain-text tables for a terminal."""
    names = names or {}
    tenants = report["forbund"]
    period = report["period"]
    lines = [f"Uppföljning: {', '.join(tenants)}; behov identifierade "
             f"{period['from'] or 'från början'} – {period['to'] or 'i dag'}", ""]
    titles = {"esf_plus": "ESF+ (000 §8)", "finansiell_samordning": "Finansiell samordning (004)"}
    for section, figures in SECTIONS:
        part = report.get(section)
        if part is None:
            continue
        lines.append(titles[section])
        header = f"  {'uppgift':<30}" + "".join(f"{t:>16}" for t in _columns(tenants))
        lines.append(header)
        for figure in figures:
            values = [part[figure]] + ([report["per_forbund"][t][section][figure] for t in tenants]
                                       if len(tenants) > 1 else [])
            lines.append(f"  {figure:<30}" + "".join(f"{v:>16}" for v in values))
        lines += _table_breakdowns(section, part, names)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _columns(tenants: list[str]) -> list[str]:
    return [tenants[0]] if len(tenants) == 1 else ["totalt", *tenants]


def _table_breakdowns(section: str, part: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines: list[str] = []
    if section == "finansiell_samordning":
        lines.append(f"  {'andel av beviljade':<30}{'antal %':>16}{'belopp %':>16}")
        for typ, shares in part["andelar"].items():
            lines.append(f"  {typ:<30}{_pct(shares['antal']):>16}{_pct(shares['belopp']):>16}")
        lines.append(f"  {'per år (pågående)':<30}{'insatser':>10}{'individ':>10}"
                     f"{'struktur':>10}{'belopp':>14}{'kvinnor':>9}{'män':>6}"
                     f"{'personal':>10}{'utan rapport':>14}")
        for year in part["per_ar"]:
            lines.append(f"  {year['ar']:<30}{year['insatser']:>10}"
                         f"{year['individinriktade']:>10}{year['strukturovergripande']:>10}"
                         f"{year['beviljat_belopp']:>14}{year['deltagare_kvinnor']:>9}"
                         f"{year['deltagare_man']:>6}{year['personal_strukturovergripande']:>10}"
                         f"{year['ej_klassificerade']:>14}")
        lines.append(f"  {'preciserad inriktning':<30}{'antal':>8}{'andel':>8}{'kvinnor':>9}"
                     f"{'män':>6}")
        for row in part["preciserad_inriktning"]:
            lines.append(f"  {row['namn']:<30}{row['antal']:>8}{_pct(row['andel']):>8}"
                         f"{row['deltagare_kvinnor']:>9}{row['deltagare_man']:>6}")
        lines.append(f"  {'specifik målgrupp':<30}{'antal':>8}{'andel':>8}")
        for row in part["specifik_malgrupp"]:
            lines.append(f"  {row['namn']:<30}{row['antal']:>8}{_pct(row['andel']):>8}")
        lines.append("  insatser")
        for item in part["insatslista"]:
            granted = item["beviljat_belopp"]
            lines.append(f"    #{item['instance_id']:<6} {item['titel'][:40]:<40} "
                         f"{item['styrelsebeslut'] or item['status']:<14} "
                         f"{'' if granted is None else granted:>10}"
                         f"  {'; '.join(item['steg'])}")
    else:
        for name in ("projektagare", "medfinansiarer"):
            lines.append(f"  {name}: " + ", ".join(
                f"{names.get(row['kod'], row['kod'])} {row['antal']}" for row in part[name]))
        lines.append("  projekt")
        for item in part["projekt"]:
            owner = names.get(item["projektagare"] or "", item["projektagare"] or "")
            lines.append(f"    #{item['instance_id']:<6} {item['titel'][:40]:<40} "
                         f"{item['outcome'] or item['status']:<18} {owner:<20} "
                         f"{', '.join(item['medfinansiarer'])}"
                         f"{'  (FK som reserv)' if item['fk_fallback'] else ''}")
        lines.append(f"  {'per programperiod':<30}{'idéer':>8}{'ansökan':>9}{'beviljade':>10}"
                     f"{'avslagna':>9}{'ej ansökan':>11}{'pågående':>9}")
        for period in part.get("per_programperiod", []):
            span = f"{period['forsta'] or '…'} – {period['sista'] or '…'}"
            lines.append(f"  {span:<30}{period['identifierade']:>8}{period['ansokningar']:>9}"
                         f"{period['beviljade']:>10}{period['avslagna']:>9}"
                         f"{period['ej_ansokan']:>11}{period['pagaende']:>9}")
        lines.append("  ingen ansökan, med skäl")
        for row in part["ej_ansokan_skal"]:
            lines.append(f"    #{row['instance_id']:<6} {row['titel'][:40]:<40} {row['skal']}")
    for name, title in (("projektagare_per_part", "projektägare per part"),
                        ("medfinansiarer_per_part", "medfinansiärer per part"),
                        ("processagare_per_part", "processägare per part")):
        if name in part:
            lines.append(f"  {title}: " + ", ".join(
                f"{row['namn']} {row['antal']}" for row in part[name]))
    lines.append("  pågående, öppet steg")
    for row in part["pagaende_steg"]:
        lines.append(f"    {row['namn'][:60]:<60}{row['antal']:>6}")
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"
