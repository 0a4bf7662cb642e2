"""The follow-up report (uppföljning): the page with tables and charts, and the API (JSON, CSV)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidData
from workflows import followup
from workflows.followup import names_of, to_csv, to_data_csv, to_xlsx

from .amounts import kronor
from .api import api_login_required
from .charts import Chart, bar_chart
from .context import capacity, system
from .errors import api_error
from .filters import N_

bp = Blueprint("reports", __name__)

FIGURES = {
    "identifierade": N_("Projektidéer identifierade i beredningsgruppen"),
    "ansokningar": N_("Ledde till ansökan"),
    "beviljade": N_("Beviljade"),
    "avslagna": N_("Avslagna"),
    "ej_ansokan": N_("Ingen ansökan (arbetet avbröts)"),
    "pagaende": N_("Pågående"),
    "fk_fallback": N_("Försäkringskassan projektägare som reserv"),
    "beviljat_belopp": N_("Beviljat belopp"),
    "behov_utanfor_rutinen": N_("Behov utanför rutinen"),
    "insatser": N_("Insatser identifierade"),
    "genomforda": N_("Genomförda"),
    "avbrutna": N_("Avbrutna före styrelsen"),
    "individinriktade": N_("Individinriktade (beviljade)"),
    "strukturovergripande": N_("Strukturövergripande (beviljade)"),
    "belopp_individinriktade": N_("Beviljat till individinriktade"),
    "belopp_strukturovergripande": N_("Beviljat till strukturövergripande"),
    "deltagare_kvinnor": N_("Deltagare, kvinnor (individinriktade)"),
    "deltagare_man": N_("Deltagare, män (individinriktade)"),
    "deltagare_ej_klassificerade": N_(
        "Registrerade som deltagare i strukturövergripande insatser (ej klassificerade)"),
    "personal_strukturovergripande": N_(
        "Deltagare från parternas personal (strukturövergripande, där det följs upp)"),
    "personal_foljs_inte_upp": N_("Strukturövergripande där personalen inte följs upp"),
}
MONEY = ("beviljat_belopp", "belopp_individinriktade", "belopp_strukturovergripande")
OUTCOMES = {
    "projekt_avslutat": N_("Projekt avslutat"),
    "ej_ansokan": N_("Ej ansökan"),
    "ansokan_avslagen": N_("Ansökan avslagen"),
    "insats_genomford": N_("Insats genomförd"),
    "avslag": N_("Avslag"),
}
DECISIONS = {"beviljas": N_("Beviljas"), "avslas": N_("Avslås"),
             "aterremitteras": N_("Återremitteras"), "beviljad": N_("Beviljad"),
             "avslag": N_("Avslag")}


@bp.get("/reports/uppfoljning")
@login_required
def uppfoljning() -> Any:
    """The follow-up page: the caller's förbund; the styrelse sees the Finsam part only."""
    me = capacity()
    start, end = request.args.get("from") or "", request.args.get("to") or ""
    try:
        period = followup.Period.parse(start, end)
    except InvalidData as error:
        return render_template("reports/uppfoljning.html", report=None, charts={},
                               errors=error.details, start=start, end=end), 422
    report = followup.report_for(system(), me, period)
    labelled = names_of(system().db, report["forbund"])  # every förbund of the report
    return render_template(
        "reports/uppfoljning.html", report=report, charts=charts(report), errors={},
        start=start, end=end, names={**labelled.members, **system().org_names(me.forbund)},
        figures=FIGURES,
        forbund_names={slug: labelled.forbund.get(slug, slug) for slug in report["forbund"]},
        money=MONEY, outcomes=OUTCOMES, decisions=DECISIONS,
        link_instances=followup.opens_every_instance(me),
        query={k: v for k, v in (("from", start), ("to", end)) if v},
    )


@bp.get("/api/reports/uppfoljning")
@api_login_required
def api_uppfoljning() -> Any:
    """The follow-up report as JSON, as the CSV Swedish Excel opens with `?format=csv`, as the
    tidy CSV of codes with `?format=csv-data`, or as an .xlsx workbook with `?format=xlsx`."""
    fmt = request.args.get("format") or "json"
    if fmt not in FORMATS:
        return api_error(400, "bad_request", "format is json, csv, csv-data or xlsx")
    period = followup.Period.parse(request.args.get("from"), request.args.get("to"))
    report = followup.report_for(system(), capacity(), period,
                                 forbund=request.args.get("forbund") or None)
    if fmt == "json":
        return jsonify(report)
    if fmt == "xlsx":
        response = Response(to_xlsx(report), mimetype=XLSX_MIMETYPE)
    elif fmt == "csv-data":
        response = Response(to_data_csv(report), mimetype="text/csv")
    else:
        response = Response(to_csv(report, names_of(system().db, report["forbund"])),
                            mimetype="text/csv", content_type="text/csv; charset=utf-8")
    suffix = {"csv-data": "-data.csv"}.get(fmt, f".{fmt}")
    whose = report["forbund"][0] if len(report["forbund"]) == 1 else "flera-forbund"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="uppfoljning-{whose}{suffix}"')
    return response


FORMATS = ("json", "csv", "csv-data", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    """55,3 %: a share with one decimal, or a dash when there is nothing to divide."""
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


def charts(report: dict[str, Any]) -> dict[str, Chart]:
    """The charts of the page, each with its numbers also in a table."""
    finsam = report["finansiell_samordning"]
    drawn = {
        "inriktning": bar_chart(
            "chart-inriktning", _("Beviljade insatser per preciserad inriktning"),
            [(row["namn"], row["antal"]) for row in finsam["preciserad_inriktning"]]),
        "belopp": bar_chart(
            "chart-belopp", _("Beviljat belopp per insatstyp"),
            [(_("Individinriktade"), finsam["belopp_individinriktade"]),
             (_("Strukturövergripande"), finsam["belopp_strukturovergripande"])], fmt=kronor),
        "deltagare": bar_chart(
            "chart-deltagare", _("Deltagare i beviljade insatser"),
            [(_("Kvinnor"), finsam["deltagare_kvinnor"]), (_("Män"), finsam["deltagare_man"])]),
    }
    esf = report.get("esf_plus")
    if esf is not None:
        drawn["esf"] = bar_chart(
            "chart-esf", _("ESF+-projektidéer från idé till beslut"),
            [(_("Identifierade"), esf["identifierade"]), (_("Ansökan"), esf["ansokningar"]),
             (_("Beviljade"), esf["beviljade"]), (_("Avslagna"), esf["avslagna"]),
             (_("Ingen ansökan"), esf["ej_ansokan"]), (_("Pågående"), esf["pagaende"])])
    return drawn
