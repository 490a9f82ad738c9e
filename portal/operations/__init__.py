"""What operators need of a running portal: a request id on every request and log line, JSON
logs, health and readiness checks for load balancers, Prometheus metrics, a clear 503 while the
database is away, and backup and restore (``flask --app run.py portal backup DIR``)."""
from __future__ import annotations

from flask import Flask

from portal.operations import faults, health, logs, metrics, request_id


def init_app(app: Flask) -> None:
    request_id.init_app(app)
    logs.init_app(app)
    faults.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
