"""`portal attendance-purge`: a year after an activity closed, its refused scans are deleted and the
raw positions and device digests of its attendance are blanked; what is younger is kept, the
attendance rows and every credit record stay, and a second run changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ActivitySession, Attendance, AttendanceRefusal, CreditRecord
from tests.activity_world import START, ActivityWorld

OUTSIDE = {"lat": 31.2304, "lon": 121.4737}  # Shanghai, far from the venue in Hangzhou


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _run(app, world, activity: dict, learner, cheat, closed_at: dt.datetime) -> None:
    """The learner attends the one session (and gets the credit), ``cheat`` is refused from outside
    the venue and with the learner's phone, and the activity is closed at ``closed_at``."""
    world.attend(learner, activity)
    world.clock.at(dt.datetime.fromisoformat(activity["sessions"][0]["starts_at"]), -60)
    url = world.code(activity)
    assert world.check(cheat, url, **OUTSIDE).json["code"] == "outside_venue"
    assert world.check(cheat, url, device=f"phone-{learner.id}").json["code"] == "device_in_use"
    world.clock.at(closed_at)
    assert world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close").status_code == 200


def _state(app) -> tuple[dict, dict, list]:
    with app.app_context():
        attendance = {r.id: (r.session.activity_id, r.person_id, r.kind, r.at, r.lat, r.lon, r.accuracy, r.device,
                             r.distance_m, list(r.flags or []))
                      for r in db.session.scalars(select(Attendance))}
        refusals = dict(db.session.execute(select(AttendanceRefusal.id, ActivitySession.activity_id)
                                           .join(ActivitySession, ActivitySession.id == AttendanceRefusal.session_id)).all())
        records = [(r.id, r.person_id, r.activity_id, r.status, r.credits, r.hours, r.updated_at)
                   for r in db.session.scalars(select(CreditRecord).order_by(CreditRecord.id))]
    return attendance, refusals, records


def test_a_year_after_closing_refusals_go_and_positions_and_devices_are_blanked(app, world):
    old, young = world.create(sessions=1), world.create(sessions=1, name="急诊医学学习班")
    learner, cheat = world.learner(), world.learner("李医生")
    _run(app, world, old, learner, cheat, START + dt.timedelta(days=1))
    _run(app, world, young, learner, cheat, START + dt.timedelta(days=60))
    attendance, refusals, records = _state(app)
    assert len(refusals) == 4 and len(records) == 2 and all(row[4] and row[7] for row in attendance.values())

    world.clock.at(START + dt.timedelta(days=1 + 366))  # a year and a day after the old one closed
    result = app.test_cli_runner().invoke(args=["portal", "attendance-purge"])
    assert result.exit_code == 0, result.output
    assert "1 activities closed before 2026-03-12" in result.output
    assert "2 refused scans deleted, 2 attendance rows cleared" in result.output

    after, refusals_after, records_after = _state(app)
    assert records_after == records  # every credit record as it was
    assert set(refusals_after.values()) == {young["id"]}  # the young activity's refused scans stay
    assert after.keys() == attendance.keys()  # no attendance row removed
    for row_id, row in after.items():
        if row[0] == young["id"]:
            assert row == attendance[row_id]
        else:  # who, when, the distance and the flags stay; the raw position, accuracy and device go
            assert row[4:8] == (None, None, None, "") and row[:4] == attendance[row_id][:4]
            assert row[8] == attendance[row_id][8] is not None and row[9] == attendance[row_id][9]

    again = app.test_cli_runner().invoke(args=["portal", "attendance-purge"])
    assert "0 refused scans deleted, 0 attendance rows cleared" in again.output
    assert _state(app) == (after, refusals_after, records)


def test_an_activity_closed_less_than_a_year_ago_or_still_open_keeps_everything(app, world):
    closed, still_open = world.create(sessions=1), world.create(sessions=1, name="急诊医学学习班")
    learner, cheat = world.learner(), world.learner("李医生")
    _run(app, world, closed, learner, cheat, START + dt.timedelta(days=1))
    world.attend(learner, still_open)
    before = _state(app)
    world.clock.at(START + dt.timedelta(days=1 + 364))
    result = app.test_cli_runner().invoke(args=["portal", "attendance-purge"])
    assert "0 activities" in result.output and "0 refused scans deleted, 0 attendance rows cleared" in result.output
    assert _state(app) == before
