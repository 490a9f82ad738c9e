"""The README's production command under load (issue 18): gunicorn with the project's config,
--preload and 2 workers on PostgreSQL. Learners sign in, list, enter records with evidence and
submit them all at once; nothing answers 5xx, every accepted record is stored once, and a refused
one leaves no row. Then the same while one worker is killed: its replacement serves at once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db, release_connections
from portal.models import CreditCategory, CreditRecord, EvidenceFile
from portal.setup import prepare_database
from tests.helpers import PASSWORD, SECRET, TestUsers, free_port, make_test_app, scratch_database
from tests.test_credit_api import free_form, png

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("PORTAL_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LEARNERS = 40          # each does 5 requests a round: 200 requests a round, all at once
SCENARIO = ("login", "list", "create", "evidence", "submit")


@dataclass
class Outcome:
    statuses: list[tuple[str, int]] = field(default_factory=list)   # (step, HTTP status); 0 = connection dropped
    created: list[int] = field(default_factory=list)                 # ids answered 201
    dropped_creates: int = 0


class Portal:
    """The gunicorn server under test and the database behind it."""

    def __init__(self, url: str, instance: Path):
        self.url, self.instance = url, instance
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance),
               "PORTAL_SECRET_KEY": SECRET, "PORTAL_LOGIN_RATE_LIMIT": "100000 per minute",
               "PORTAL_DEMO_DATA": "0"}
        env.pop("PORTAL_REDIS_URL", None)
        self.log = open(instance / "gunicorn.log", "w+b")  # noqa: SIM115 (the server writes to it until stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--preload", "-w", "2",
             "-b", f"127.0.0.1:{self.port}", "run:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=5) as r:
                    if r.status == 200 and len(self.workers()) == 2:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start:\n" + self.output())

    def workers(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    # --- the requests a learner's app sends -----------------------------------------------------

    def send(self, method: str, path: str, token: str | None = None, body: bytes | None = None,
             content_type: str | None = None) -> tuple[int, dict]:
        """(status, JSON body); status 0 when the connection dropped without an answer."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {}
        except (TimeoutError, ConnectionError, urllib.error.URLError):
            return 0, {}

    def learner(self, username: str, category_id: int, unit_id: int) -> Outcome:
        """Sign in, list, create a record, attach a certificate photo, submit it."""
        out = Outcome()
        status, body = self.send("POST", "/api/v1/security/login", body=json.dumps(
            {"username": username, "password": PASSWORD, "provider": "db"}).encode(), content_type="application/json")
        out.statuses.append(("login", status))
        token = body.get("access_token")
        if not token:
            return out
        status, _ = self.send("GET", "/api/v1/credits/", token)
        out.statuses.append(("list", status))
        status, body = self.send("POST", "/api/v1/credits/", token, json.dumps(
            {"category_id": category_id, "fields": free_form(unit_id), "confirm_duplicate": True}).encode(),
            "application/json")  # every round enters the same activity on purpose
        out.statuses.append(("create", status))
        if status == 0:
            out.dropped_creates += 1
        if status != 201:
            return out
        record_id = body["id"]
        out.created.append(record_id)
        data, content_type = _multipart("file", "证书.png", png())
        status, _ = self.send("POST", f"/api/v1/credits/{record_id}/evidence", token, data, content_type)
        out.statuses.append(("evidence", status))
        status, _ = self.send("POST", f"/api/v1/credits/{record_id}/submit", token)
        out.statuses.append(("submit", status))
        return out

    def burst(self, learners: list[str], category_id: int, unit_id: int, during=None) -> Outcome:
        """Every learner's scenario at once; ``during`` runs beside them (a worker's death)."""
        total = Outcome()
        with ThreadPoolExecutor(len(learners) + 1) as pool:
            futures = [pool.submit(self.learner, name, category_id, unit_id) for name in learners]
            if during:
                pool.submit(during).result()
            for f in futures:
                one = f.result()
                total.statuses += one.statuses
                total.created += one.created
                total.dropped_creates += one.dropped_creates
        return total


def _multipart(name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----cme-portal-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    instance = tmp_path_factory.mktemp("served") / "instance"
    with scratch_database(POSTGRES, "cme_served") as url:
        app = make_test_app(url, instance)
        prepare_database(app)
        users = TestUsers(app)
        unit_id = users.unit("330101", "杭州市第一人民医院")
        learners = [users.person(unit_id, self_entry=True, name=f"学员{i}").username for i in range(LEARNERS)]
        with app.app_context():
            category_id = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
        release_connections(app)
        portal = Portal(url, instance)
        try:
            yield app, portal, learners, category_id, unit_id
        finally:
            portal.stop()
            release_connections(app)


def _stored(app, ids: set[int] | None = None) -> dict[int, tuple[str, int]]:
    """Every record in the database: id → (status, evidence files)."""
    with app.app_context():
        rows = db.session.execute(
            select(CreditRecord.id, CreditRecord.status, func.count(EvidenceFile.id))
            .outerjoin(EvidenceFile, EvidenceFile.record_id == CreditRecord.id)
            .group_by(CreditRecord.id, CreditRecord.status)).all()
        db.session.remove()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_a_burst_of_learners_under_the_production_command_is_served_and_stored_once(served):
    app, portal, learners, category_id, unit_id = served
    before = set(_stored(app))

    outcome = portal.burst(learners, category_id, unit_id)

    assert len(outcome.statuses) == LEARNERS * len(SCENARIO)
    refused = [(step, status) for step, status in outcome.statuses if not 200 <= status < 300]
    assert not refused, f"{len(refused)} requests refused, e.g. {refused[:5]}\n{portal.output()}"
    stored = {k: v for k, v in _stored(app).items() if k not in before}
    assert sorted(stored) == sorted(outcome.created)          # each accepted create once, no other row
    assert set(stored.values()) == {("submitted", 1)}         # with its one evidence file, submitted
    # /metrics adds up what both workers counted.
    with urllib.request.urlopen(portal.base + "/metrics", timeout=10) as r:
        metrics = r.read().decode()
    creates = next(line for line in metrics.splitlines()
                   if line.startswith('portal_requests_total{method="POST",route="/api/v1/credits/",status="201"}'))
    assert float(creates.rsplit(" ", 1)[1]) == LEARNERS


def test_a_worker_killed_mid_burst_is_replaced_and_nothing_is_half_written(served):
    app, portal, learners, category_id, unit_id = served
    before = set(_stored(app))
    victim = portal.workers()[0]

    def kill_a_worker():
        time.sleep(0.3)
        os.kill(victim, signal.SIGKILL)

    outcome = portal.burst(learners, category_id, unit_id, during=kill_a_worker)

    # A request the killed worker was answering gets no answer at all (status 0); none is a 5xx.
    assert not [s for _, s in outcome.statuses if s >= 500], portal.output()
    dropped = [step for step, s in outcome.statuses if s == 0]
    assert len(dropped) <= 1, dropped                          # a sync worker holds one request at a time
    assert not [(step, s) for step, s in outcome.statuses if s and not 200 <= s < 300]
    stored = {k: v for k, v in _stored(app).items() if k not in before}
    assert set(outcome.created) <= set(stored)
    # Only a create cut off after its commit can have left a row nobody was told of, and it is
    # a draft, like any the learner can see in their list and finish.
    unanswered = set(stored) - set(outcome.created)
    assert len(unanswered) <= outcome.dropped_creates
    assert all(stored[i][0] == "draft" for i in unanswered)

    # The replacement worker serves its first requests like the survivor.
    deadline = time.monotonic() + 30
    while (len(portal.workers()) != 2 or victim in portal.workers()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert victim not in portal.workers() and len(portal.workers()) == 2
    again = portal.burst(learners[:10], category_id, unit_id)
    assert {s for _, s in again.statuses} <= {200, 201}, portal.output()
