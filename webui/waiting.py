"""Where cases wait: a process's diagram with the running cases per step and their median wait
(`workflows/waiting.py`), for the kansli and the designer (`policy.WAITING`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from workflows import waiting

from .audit import SVG_POLICY
from .context import capacity, system

bp = Blueprint("waiting", __name__, url_prefix="/waiting")


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@login_required
def index() -> Any:
    """The choice of process and period, the heatmap and the same figures as a table."""
    me = capacity()
    processes = waiting.processes(system(), me)
    chosen = request.args.get("process", "")
    if chosen not in processes:
        chosen = next(iter(processes), "")
    started_from, started_to = _date("from"), _date("to")
    figures = (waiting.where_cases_wait(system(), me, chosen, started_from, started_to)
               if chosen else None)
    period: dict[str, Any] = {k: v.isoformat() for k, v in (("from", started_from),
                                                             ("to", started_to)) if v is not None}
    image = url_for("waiting.diagram", process_id=chosen, **period) if chosen else None
    return render_template("waiting.html", processes=processes, chosen=chosen, figures=figures,
                           image=image, limits=waiting.HEAT_LIMITS)


@bp.get("/<process_id>.svg")
@login_required
def diagram(process_id: str) -> Any:
    """The heatmap as an image (its own styles; no script)."""
    figures = waiting.where_cases_wait(system(), capacity(), process_id, _date("from"),
                                       _date("to"))
    response = Response(waiting.heatmap_svg(system(), capacity(), figures),
                        mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
