"""Prometheus metrics at ``/metrics``: requests and their latency per route, failed logins,
export jobs waiting or running and the age of the oldest, and the RQ queue's length. Readable
only from the addresses in PORTAL_METRICS_ALLOW; anyone else gets a 404.

Under gunicorn the shipped config sets PROMETHEUS_MULTIPROC_DIR, so each worker writes its
counts to a file there and a scrape adds up every worker's."""
from __future__ import annotations

import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ExportJob

blueprint = Blueprint("metrics", __name__)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """One app's metrics, on a registry of its own (tests build many apps in one process), and
    the networks that may read them."""

    def __init__(self, allowed: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> None:
        self.allowed = allowed
        self.registry = CollectorRegistry()
        self.requests = Counter("portal_requests", "Requests answered, by route, method and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("portal_request_seconds", "Time to answer a request, by route.", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.failed_logins = Counter("portal_failed_logins", "Password logins refused (wrong, unknown or locked).",
                                     registry=self.registry)


class JobCollector:
    """Export jobs read from the database at scrape time, so every worker reports the same."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        waiting = GaugeMetricFamily("portal_export_jobs", "Export jobs not finished, by state.", labels=["state"])
        oldest = GaugeMetricFamily("portal_export_job_oldest_seconds",
                                   "Age of the oldest export job not finished, in seconds (0: none).")
        with self.app.app_context():
            rows = db.session.execute(
                select(ExportJob.status, func.count(), func.min(ExportJob.created_at))
                .where(ExportJob.status.in_(("queued", "running"))).group_by(ExportJob.status)).all()
            # The rows' times are the database's own, naive (PostgreSQL's now() carries its zone).
            now = db.session.scalar(select(func.now())).replace(tzinfo=None)
            db.session.remove()
        counts = {status: count for status, count, _ in rows}
        for state in ("queued", "running"):
            waiting.add_metric([state], counts.get(state, 0))
        starts = [first for _, _, first in rows if first is not None]
        oldest.add_metric([], (now - min(starts)).total_seconds() if starts else 0)
        yield waiting
        yield oldest
        if self.app.config["REDIS_URL"]:
            yield from self._queue()

    def _queue(self):
        import redis
        from rq import Queue

        length = GaugeMetricFamily("portal_rq_queue_length", "Jobs waiting in the RQ queue of background jobs.")
        try:
            connection = redis.Redis.from_url(self.app.config["REDIS_URL"], socket_timeout=2)
            length.add_metric([], len(Queue(self.app.config["RQ_QUEUE"], connection=connection)))
        except redis.RedisError:
            return
        yield length


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in current_app.extensions["metrics"].allowed)


@blueprint.get("/metrics")
def metrics():
    if not _allowed(request.remote_addr):
        abort(404)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(JobCollector(current_app._get_current_object()))
    else:
        registry = current_app.extensions["metrics"].registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def failed_login() -> None:
    current_app.extensions["metrics"].failed_logins.inc()


def init_app(app: Flask) -> None:
    found = Metrics([ipaddress.ip_network(a, strict=False) for a in app.config["METRICS_ALLOW"]])
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        found.registry.register(JobCollector(app))
    app.extensions["metrics"] = found
    app.register_blueprint(blueprint)

    @app.before_request
    def _start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        found.requests.labels(route, request.method, str(response.status_code)).inc()
        if "metrics_started" in g:
            found.latency.labels(route).observe(time.perf_counter() - g.metrics_started)
        return response
