"""`/metrics` in Prometheus' text format (prometheus_client), for an operator's scraper only.

Refused unless the request carries `Authorization: Bearer <FINSAM_METRICS_TOKEN>`; with no token
configured the route does not exist (404). Requests are counted and timed by route, the URL
rule (`/api/tasks/<int:task_id>`), never the path, so ids do not multiply the series. The
domain's figures (`workflows/figures.py`) are read from the database at each scrape, so every
worker process of the server gives the same ones. Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied at each start) so the request counters of all
workers are summed (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from workflows import Finsam
from workflows.figures import figures


class _Figures(Collector):
    """The domain's figures, read at each scrape."""

    def __init__(self, system: Finsam) -> None:
        self.system = system

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = figures(self.system)
        for name, doc, values in (
                ("finsam_completions", "Human tasks completed, per förbund.", now.completions),
                ("finsam_open_tasks", "Open human tasks, per förbund.", now.open_tasks),
                ("finsam_overdue_tasks", "Open human tasks past their due date, per förbund.",
                 now.overdue_tasks)):
            family = GaugeMetricFamily(name, doc, labels=["forbund"])
            for tenant, value in sorted(values.items()):
                family.add_metric([tenant], value)
            yield family
        for name, doc, value in (
                ("finsam_due_timers", "Timers due and not yet fired (the worker is behind).",
                 now.due_timers),
                ("finsam_outbox_backlog", "Notifications waiting to be sent.", now.outbox_backlog),
                ("finsam_mail_retrying", "Notifications that failed and will be tried again.",
                 now.mail_retrying),
                ("finsam_mail_given_up", "Notifications given up after every attempt.",
                 now.mail_given_up),
                ("finsam_mail_interrupted", "Notifications a worker handed over but died before "
                 "marking (not sent again).", now.mail_interrupted)):
            yield GaugeMetricFamily(name, doc, value=value)


def init_app(app: Flask, system: Finsam) -> None:
    """Count and time every request; add `/metrics` when a token is configured."""
    registry = CollectorRegistry()
    requests = Counter("finsam_http_requests", "HTTP requests by route, method and status.",
                       ["route", "method", "status"], registry=registry)
    latency = Histogram("finsam_http_request_duration_seconds",
                        "HTTP request duration by route and method.", ["route", "method"],
                        registry=registry)
    domain = _Figures(system)
    registry.register(domain)
    app.extensions["finsam_metrics"] = (registry, domain)

    @app.before_request
    def _clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.get("metrics_started")
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        requests.labels(rule, request.method, str(response.status_code)).inc()
        if started is not None:
            latency.labels(rule, request.method).observe(time.perf_counter() - started)
        return response

    app.add_url_rule("/metrics", "metrics", _metrics)


def _metrics() -> Any:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode()):
        return Response("a metrics token is needed\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    registry, domain = current_app.extensions["finsam_metrics"]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # all workers' counters
        registry.register(domain)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
