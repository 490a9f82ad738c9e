"""Operations (issue 18): health and readiness for a load balancer, a request id on every answer
and log line, a clear 503 in Chinese while the database is away, and logins and certificate
checks that keep working while Redis (the rate limits' store) is down."""
from __future__ import annotations

import io
import json
import logging
import shutil
import socket
import subprocess
import time

import pytest

from portal.operations.logs import JsonFormatter, RequestIdFilter
from tests.helpers import free_port, login, make_test_app

UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"


def test_health_answers_alive_and_ready_when_everything_is_there(client):
    assert client.get("/healthz").json == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"database": "ok", "evidence_folder": "ok"}}


def test_readiness_fails_when_the_evidence_folder_is_nearly_full(app):
    app.config["MIN_FREE_MB"] = shutil.disk_usage(app.instance_path).free // (1024 * 1024) + 1024
    try:
        ready = app.test_client().get("/readyz")
    finally:
        app.config["MIN_FREE_MB"] = 500
    assert ready.status_code == 503
    assert ready.json["checks"]["evidence_folder"].startswith("low on space")


def test_every_answer_names_its_request_id(client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c"})
    assert given.headers["X-Request-ID"] == "lb-7f3a9c"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 16 and made != client.get("/healthz").headers["X-Request-ID"]
    # A header that could forge log lines is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x", "level": "INFO'})
    assert len(forged.headers["X-Request-ID"]) == 16 and '"' not in forged.headers["X-Request-ID"]


def test_log_lines_are_json_objects_carrying_the_request_id(app):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    app.logger.addHandler(handler)
    try:
        with app.test_request_context(headers={"X-Request-ID": "abc-123"}):
            app.preprocess_request()
            app.logger.warning("审核 %s 条", 3)
    finally:
        app.logger.removeHandler(handler)
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["request_id"] == "abc-123" and line["message"] == "审核 3 条" and line["level"] == "WARNING"


@pytest.fixture
def database_away(tmp_path):
    return make_test_app(UNREACHABLE_DATABASE, tmp_path / "instance").test_client()


def test_with_the_database_away_pages_answer_503_in_chinese_with_retry_after(database_away):
    page = database_away.get("/credits/mine", headers={"X-Request-ID": "down-1"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "系统暂时无法访问" in html and "本次操作未保存任何内容" in html
    api = database_away.get("/api/v1/credits/")
    assert api.status_code == 503 and api.json["code"] == "unavailable" and api.headers["Retry-After"] == "30"
    assert "请一分钟后重试" in api.json["message"]


def test_with_the_database_away_the_load_balancer_is_told_not_ready_but_alive(database_away):
    assert database_away.get("/healthz").status_code == 200
    ready = database_away.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"].startswith("unreachable")


# --- Redis, the rate limits' store, goes away ----------------------------------------------------

class Redis:
    """A Redis server of the test's own, on a free port, that the test stops."""

    def __init__(self, folder):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def test_with_redis_stopped_logins_and_verifications_still_work(app, database_url, tmp_path, users, caplog):
    redis = Redis(tmp_path)
    try:
        served = make_test_app(database_url, tmp_path / "instance", RATELIMIT_STORAGE_URI=redis.url,
                               REDIS_URL=redis.url, AUTH_RATE_LIMIT="100 per minute")
        unit = users.unit("330101")
        person = users.person(unit)
        assert login(served.test_client(), person.username, person.password).status_code == 302
        assert served.test_client().get("/readyz").json["checks"]["redis"] == "ok"
        redis.stop()

        with caplog.at_level(logging.WARNING):
            signed_in = login(served.test_client(), person.username, person.password)
            checked = served.test_client().get("/verify/" + "A" * 32)
        assert signed_in.status_code == 302 and signed_in.location.endswith("/")
        assert checked.status_code == 404 and "证书验证" in checked.get_data(as_text=True)
        assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
        ready = served.test_client().get("/readyz")
        assert ready.status_code == 503 and ready.json["checks"]["redis"].startswith("unreachable")
    finally:
        if redis.process.poll() is None:
            redis.stop()


# --- metrics ----------------------------------------------------------------------------------------

def test_metrics_count_requests_failed_logins_and_waiting_jobs_for_the_monitoring_host_only(app, client, users):
    from portal.extensions import db
    from portal.models import ExportJob, Person

    person = users.person(users.unit("330101"))
    failed_before = _value(client.get("/metrics").get_data(as_text=True), "portal_failed_logins_total")
    client.get("/healthz")
    login(app.test_client(), person.username, "not-the-password")
    login(app.test_client(), "nobody-of-that-name", "not-the-password")
    with app.app_context():
        user_id = db.session.get(Person, person.id).user_id
        db.session.add(ExportJob(user_id=user_id, kind="credit_query", params={}, exporter="x", filename="f"))
        db.session.commit()

    text = client.get("/metrics").get_data(as_text=True)
    assert 'portal_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'portal_request_seconds_count{route="/healthz"}' in text
    assert _value(text, "portal_failed_logins_total") == failed_before + 2
    assert _value(text, 'portal_export_jobs{state="queued"}') == 1
    assert _value(text, "portal_export_job_oldest_seconds") >= 0
    # Anyone else is not told the endpoint exists.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def _value(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])
