"""What the activity and attendance tests share: a unit with its admin, learners, an activity made
through the API, and a clock the tests move (the server's clock is the only clock)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditCategory
from tests.test_credit_api import Caller

# 2026-03-10 09:00 in Hangzhou: the first session's start.
START = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, app):
        self.now = START.timestamp()
        app.extensions["portal.clock"] = lambda: self.now

    def at(self, moment: dt.datetime, seconds: float = 0) -> None:
        self.now = moment.timestamp() + seconds

    def move(self, seconds: float) -> None:
        self.now += seconds


def free_form_category(app) -> int:
    with app.app_context():
        return db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))


def activity_body(app, sessions: int = 2, **changes) -> dict:
    body = {
        "name": "心血管疾病新进展学习班", "number": "2026-03-01-001", "category_id": free_form_category(app),
        "credit_level": "provincial", "credits": "4", "hours": "8", "sessions": [
            {"title": f"第{n + 1}讲", "teacher": "陈教授", "starts_at": (START + dt.timedelta(hours=3 * n)).isoformat(),
             "ends_at": (START + dt.timedelta(hours=3 * n + 2)).isoformat(), "venue": "学术报告厅",
             "lat": 30.2741, "lon": 120.1551, "radius_m": 100, "check_out": True}
            for n in range(sessions)],
    }
    body.update(changes)
    return body


class ActivityWorld:
    def __init__(self, app, users):
        self.app, self.users = app, users
        self.unit = users.unit("330101", "杭州市第一人民医院")
        self.other_unit = users.unit("330102", "宁波市第二医院")
        self.admin = users.person(self.unit, role="unit_admin", name="王管理")
        self.clock = Clock(app)
        self._callers: dict[int, Caller] = {}

    def caller(self, made) -> Caller:
        if made.id not in self._callers:
            self._callers[made.id] = Caller(self.app, made)
        return self._callers[made.id]

    def learner(self, name: str = "张医生", unit: int | None = None):
        return self.users.person(unit or self.unit, name=name)

    def create(self, **changes) -> dict:
        answer = self.caller(self.admin).post("/api/v1/activities/", json=activity_body(self.app, **changes))
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer.json

    def code(self, activity: dict, session: int = 0, kind: str = "check_in") -> str:
        sid = activity["sessions"][session]["id"]
        answer = self.caller(self.admin).get(f"/api/v1/activities/{activity['id']}/sessions/{sid}/code?kind={kind}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.json["url"]

    def check(self, learner, url: str, lat=30.2741, lon=120.1551, accuracy=20, device=None, caller=None):
        body = {"url": url, "lat": lat, "lon": lon, "accuracy": accuracy, "device": device or f"phone-{learner.id}"}
        return (caller or self.caller(learner)).post("/api/v1/attendance/", json=body)

    def attend(self, learner, activity: dict, session: int = 0) -> None:
        """Check in and out of one session, at the right times."""
        starts = dt.datetime.fromisoformat(activity["sessions"][session]["starts_at"])
        ends = dt.datetime.fromisoformat(activity["sessions"][session]["ends_at"])
        self.clock.at(starts, -300)
        assert self.check(learner, self.code(activity, session)).status_code == 201
        self.clock.at(ends, 60)
        assert self.check(learner, self.code(activity, session, "check_out")).status_code == 201
