"""Issue 11's case: exam autosaves a second (``PUT /api/v1/exam-attempts/<id>/answers/<slot>``)
under gunicorn, many learners answering at once, beside the login page served by the same server in
the same run, with the machinery of bench/attendance.py (the shipped config on one core, the load
from threads on the other, bounded in time, loopback only). Every save is a learner changing one
answer of their own attempt in progress.

Runs on its own, on SQLite in a temporary folder (PostgreSQL with PORTAL_BENCH_DATABASE_URL):
``python -m bench.exams``; ``make bench`` runs it with the rest."""
from __future__ import annotations

import datetime as dt
import json
import random
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench import served
from bench.app import make_app
from bench.attendance import BUDGET_P95_MS, BUDGET_PER_SECOND, ROUNDS
from bench.table import Row, table, throughput_rows
from portal.activities import services as activities
from portal.extensions import db
from portal.models import ActivitySession, Attendance, CreditCategory
from portal.models.activities import CHECK_IN, CHECK_OUT
from portal.setup import prepare_database
from tests.helpers import PASSWORD, TestUsers, api_token

LEARNERS = 200
BANK = 40
DRAWN = 20


@dataclass
class Attempt:
    token: str
    attempt_id: int
    slots: list[tuple[int, list[int]]]  # slot, its option ids


def prepare(app) -> list[Attempt]:
    """An activity every learner attended, its exam (DRAWN of BANK single-choice questions, three
    hours), and each learner's attempt in progress."""
    users = TestUsers(app)
    unit = users.unit("339902", "考试基准医院")
    admin = users.person(unit, role="unit_admin", name="考试管理员")
    learners = [users.person(unit, name=f"考生{n}") for n in range(LEARNERS)]
    client = app.test_client()
    admin_headers = {"Authorization": f"Bearer {api_token(client, admin.username, PASSWORD)}"}
    with app.app_context():
        category = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    body = {"name": "考试基准学习班", "category_id": category, "credit_level": "provincial", "credits": "1", "hours": "2",
            "sessions": [{"title": "第1讲", "starts_at": start.isoformat(),
                          "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "venue": "报告厅"}]}
    made = client.post("/api/v1/activities/", json=body, headers=admin_headers)
    assert made.status_code == 201, made.get_data(as_text=True)
    activity = made.json["id"]
    with app.app_context():
        session = db.session.scalar(select(ActivitySession).where(ActivitySession.activity_id == activity))
        year = activities.session_year(session)
        db.session.add_all(Attendance(session_id=session.id, person_id=learner.id, kind=kind, at=session.starts_at,
                                      via="scan", year=year)
                           for learner in learners for kind in (CHECK_IN, CHECK_OUT))
        db.session.commit()
    for n in range(BANK):
        question = {"type": "single", "stem": f"基准题{n}", "options": ["甲", "乙", "丙", "丁"], "correct": [n % 4]}
        assert client.post(f"/api/v1/activities/{activity}/questions", json=question, headers=admin_headers).status_code == 201
    exam = {"draw": {"single": DRAWN, "multiple": 0, "judge": 0}, "time_limit_s": 3 * 3600, "pass_mark": 60,
            "max_attempts": 1, "wait_s": 0}
    assert client.put(f"/api/v1/activities/{activity}/exam", json=exam, headers=admin_headers).status_code == 200
    attempts = []
    for learner in learners:
        token = api_token(client, learner.username, PASSWORD)
        started = client.post(f"/api/v1/activities/{activity}/exam/attempts", headers={"Authorization": f"Bearer {token}"})
        assert started.status_code == 201, started.get_data(as_text=True)
        attempts.append(Attempt(token, started.json["attempt_id"],
                                [(q["slot"], [o["id"] for o in q["options"]]) for q in started.json["questions"]]))
    return attempts


class Saves:
    """A random learner changes a random answer of theirs."""

    def __init__(self, attempts: list[Attempt], base: str):
        self.attempts, self.base, self.random, self.lock = attempts, base, random.Random(11), threading.Lock()

    def request(self) -> urllib.request.Request:
        with self.lock:
            attempt = self.random.choice(self.attempts)
            slot, options = self.random.choice(attempt.slots)
            chosen = self.random.choice(options)
        return urllib.request.Request(
            f"{self.base}/api/v1/exam-attempts/{attempt.attempt_id}/answers/{slot}", method="PUT",
            data=json.dumps({"option_ids": [chosen]}).encode(),
            headers={"Authorization": f"Bearer {attempt.token}", "Content-Type": "application/json"})


def run(database_url: str, instance: Path, label: str) -> list[Row]:
    app = make_app(database_url, instance)
    prepare_database(app)
    attempts = prepare(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    ours, login = served.beside_login(database_url, instance, lambda base: Saves(attempts, base).request, 200, ROUNDS)
    case = (f"exam autosave `PUT /api/v1/exam-attempts/<id>/answers/<slot>` under gunicorn ({served.WORKERS} sync "
            f"workers on one core, {served.CLIENTS} loopback clients, {LEARNERS} learners' attempts)")
    return throughput_rows(case, label, ours, login, BUDGET_PER_SECOND, BUDGET_P95_MS)


def rows() -> list[Row]:
    return served.on_both_databases("exams", run)


def main() -> None:
    print(table(rows()))

if __name__ == "__main__":
    sys.exit(main())
