"""``/healthz``: the process answers. ``/readyz``: it can serve, so a load balancer may send it
users: the database answers, Redis answers (when configured), and the evidence folder is writable
with more than PORTAL_MIN_FREE_MB free. Both answer JSON and need no login."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from portal.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="alive")


@blueprint.get("/readyz")
def readyz():
    checks = {"database": _database(), "evidence_folder": _evidence_folder()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis()
    ready = all(result == "ok" for result in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as e:
        db.session.rollback()
        return f"unreachable: {type(e).__name__}"


def _redis() -> str:
    import redis

    try:
        redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2).ping()
        return "ok"
    except redis.RedisError as e:
        return f"unreachable: {type(e).__name__}"


def _evidence_folder() -> str:
    folder = Path(current_app.instance_path) / "evidence"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-"):
            pass
    except OSError as e:
        return f"not writable: {e.strerror}"
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    if free_mb < current_app.config["MIN_FREE_MB"]:
        return f"low on space: {free_mb} MB free"
    return "ok"


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
