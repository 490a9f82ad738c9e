"""Log lines as JSON, one object a line, each with the request id (PORTAL_LOG_FORMAT=json, the
default in production); plain text otherwise, the request id still in each line."""
from __future__ import annotations

import datetime as dt
import json
import logging

from flask import Flask, has_request_context
from flask.logging import default_handler

from portal.operations import request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.current() if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    """One handler on the root logger, so that every library's lines (SQLAlchemy, the rate
    limiter, RQ) come out the same way; building a second app in the process reuses it."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "portal", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.portal = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
