"""Issue 10's cases: check-ins a second under gunicorn (the shipped config, 2 sync workers pinned to
one core, the load from threads pinned to the other core, bounded in time, loopback only),
beside the login page served by the same server in the same run; and the projector's code
endpoint, median ms in-process. Every check-in is a new row (a learner checks in once per
session; there are enough of both), with a distinct device and a position inside the venue.

Runs on its own, on SQLite in a temporary folder (PostgreSQL with PORTAL_BENCH_DATABASE_URL):
``python -m bench.attendance``; ``make bench`` runs it with the rest."""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench import served
from bench.app import make_app
from bench.table import Row, table, throughput_rows
from portal.activities import codes
from portal.extensions import db
from portal.models import ActivitySession, CreditCategory
from portal.setup import prepare_database
from tests.helpers import PASSWORD, TestUsers, api_token

LEARNERS = 300
SESSIONS = 40        # 12,000 distinct check-ins: more than the rounds ask for
ROUNDS = 3
CODE_REPEAT = 20
BUDGET_PER_SECOND = 200
BUDGET_P95_MS = 250
VENUE = (30.2741, 120.1551)


@dataclass
class Setup:
    activity_id: int
    sessions: list[ActivitySession]
    tokens: list[str]
    admin_token: str


def prepare(app) -> Setup:
    """A unit, its admin, LEARNERS learners with API tokens, and one activity whose SESSIONS
    sessions are all open for check-in now."""
    users = TestUsers(app)
    unit = users.unit("339901", "基准测试医院")
    admin = users.person(unit, role="unit_admin", name="基准管理员")
    learners = [users.person(unit, name=f"学员{n}") for n in range(LEARNERS)]
    client = app.test_client()
    admin_token = api_token(client, admin.username, PASSWORD)
    with app.app_context():
        category = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    body = {"name": "基准测试学习班", "category_id": category, "credit_level": "provincial", "credits": "1", "hours": "2",
            "sessions": [{"title": f"第{n + 1}讲", "starts_at": start.isoformat(),
                          "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "venue": "报告厅",
                          "lat": VENUE[0], "lon": VENUE[1], "radius_m": 200} for n in range(SESSIONS)]}
    made = client.post("/api/v1/activities/", json=body, headers={"Authorization": f"Bearer {admin_token}"})
    assert made.status_code == 201, made.get_data(as_text=True)
    with app.app_context():
        sessions = list(db.session.scalars(select(ActivitySession).where(ActivitySession.activity_id == made.json["id"])))
        for s in sessions:
            db.session.expunge(s)
    return Setup(made.json["id"], sessions, [api_token(client, u.username, PASSWORD) for u in learners], admin_token)


def code_endpoint_ms(app, setup: Setup) -> float:
    """The projector's call (`GET .../code?svg=1`), in-process: median of CODE_REPEAT after warm-ups."""
    client = app.test_client()
    url = f"/api/v1/activities/{setup.activity_id}/sessions/{setup.sessions[0].id}/code?kind=check_in&svg=1"
    headers = {"Authorization": f"Bearer {setup.admin_token}"}
    times = []
    for n in range(CODE_REPEAT + 2):
        started = time.perf_counter()
        answer = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200
        if n >= 2:
            times.append(elapsed)
    return statistics.median(times)


class CheckIns:
    """Hands out (learner, session) pairs never used before, and the current code of a session."""

    def __init__(self, setup: Setup, base: str):
        self.setup, self.base, self.next, self.lock = setup, base, 0, threading.Lock()

    def request(self) -> urllib.request.Request:
        with self.lock:
            n, self.next = self.next, self.next + 1
        learner, session = divmod(n, len(self.setup.sessions))
        if learner >= len(self.setup.tokens):
            raise RuntimeError("the bench ran out of distinct check-ins: raise LEARNERS or SESSIONS")
        s = self.setup.sessions[session]
        window = int(time.time() // codes.WINDOW_SECONDS)
        url = f"{self.base}/a/{s.id}/{window}/{codes.mac(s, window, 'check_in')}"
        body = json.dumps({"url": url, "lat": VENUE[0], "lon": VENUE[1], "accuracy": 20, "device": f"bench-{learner}"})
        return urllib.request.Request(self.base + "/api/v1/attendance/", data=body.encode(), method="POST", headers={
            "Authorization": f"Bearer {self.setup.tokens[learner]}", "Content-Type": "application/json"})


def run(database_url: str, instance: Path, label: str) -> list[Row]:
    app = make_app(database_url, instance)
    prepare_database(app)
    setup = prepare(app)
    code_ms = code_endpoint_ms(app, setup)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    ours, login = served.beside_login(database_url, instance, lambda base: CheckIns(setup, base).request, 201, ROUNDS)
    case = (f"check-in `POST /api/v1/attendance/` under gunicorn ({served.WORKERS} sync workers on one core, "
            f"{served.CLIENTS} loopback clients)")
    return [*throughput_rows(case, label, ours, login, BUDGET_PER_SECOND, BUDGET_P95_MS),
            Row(f"projector's code `GET .../code?svg=1`, in-process, median of {CODE_REPEAT}", label, code_ms, "—", 0, None)]


def rows() -> list[Row]:
    return served.on_both_databases("attendance", run)


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    sys.exit(main())
