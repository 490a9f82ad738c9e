"""Rotating-QR attendance, from the cheater's side: a stale or forged code, the same account twice,
a second account on one phone, a position outside the venue, someone not allowed; and the
credit an activity grants exactly once, by the last scan or by closing it."""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from portal.accounts.actor import actor_for
from portal.activities.services import _grant
from portal.extensions import db
from portal.models import Activity, Attendance, AttendanceRefusal, AuditEntry, CreditRecord, CreditYear, Person
from tests.activity_world import START, ActivityWorld, activity_body
from tests.helpers import PASSWORD, login


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_fresh_code_checks_in_and_a_code_from_two_windows_ago_is_refused(app, world):
    activity, learner = world.create(), world.learner()
    world.clock.at(START, -600)
    url = world.code(activity)
    assert url.startswith(app.config["BASE_URL"] + "/a/")
    world.clock.move(30)  # the next window: the previous one is still accepted
    assert world.check(learner, url).status_code == 201
    world.clock.move(30)  # two windows on
    late = world.learner("李医生")
    refused = world.check(late, url)
    assert refused.status_code == 409 and refused.json["code"] == "stale_code"
    assert "过期" in refused.json["message"]


def test_a_code_with_one_changed_character_is_refused(app, world):
    activity, learner = world.create(), world.learner()
    world.clock.at(START, -60)
    url = world.code(activity)
    forged = url[:-1] + ("A" if url[-1] != "A" else "B")
    answer = world.check(learner, forged)
    assert answer.status_code == 409 and answer.json["code"] == "bad_code"
    # A check-out code is not a check-in code: the kind is under the MAC too.
    other_session = url.replace(f"/a/{activity['sessions'][0]['id']}/", f"/a/{activity['sessions'][1]['id']}/")
    assert world.check(learner, other_session).json["code"] == "bad_code"
    assert world.check(learner, "https://example.com/whatever").json["code"] == "bad_code"
    assert _count(app, Attendance) == 0


def test_the_check_in_window_opens_30_minutes_before_and_closes_15_after_the_start(app, world):
    activity, learner = world.create(), world.learner()
    world.clock.at(START, -31 * 60)
    assert world.check(learner, world.code(activity)).json["code"] == "window_closed"
    world.clock.at(START, 16 * 60)
    assert world.check(learner, world.code(activity)).json["code"] == "window_closed"
    world.clock.at(START, 14 * 60)
    assert world.check(learner, world.code(activity)).status_code == 201


def test_an_organiser_narrows_a_sessions_check_in_time(app, world):
    body_sessions = world.create()["sessions"]
    narrowed = world.create(sessions=1)
    sid = narrowed["sessions"][0]["id"]
    changed = {**narrowed["sessions"][0], "check_in_before": 5, "check_in_after": 0}
    assert body_sessions and changed["id"] == sid
    with app.test_request_context():
        from portal.accounts.actor import actor_for
        from portal.activities import services
        from portal.models import Person
        admin = actor_for(db.session.get(Person, world.admin.id).user)
        activity = services.get(admin, narrowed["id"])
        data = {"name": narrowed["name"], "category_id": narrowed["category_id"], "credit_level": "provincial",
                "credits": "4", "hours": "8", "sessions": [changed]}
        services.save(admin, data, activity)
    learner = world.learner()
    world.clock.at(START, -10 * 60)
    assert world.check(learner, world.code(narrowed)).json["code"] == "window_closed"
    world.clock.at(START, -4 * 60)
    assert world.check(learner, world.code(narrowed)).status_code == 201
    detail = world.caller(world.admin).get(f"/api/v1/activities/{narrowed['id']}").json
    assert detail["sessions"][0]["check_in_before"] == 5 and detail["sessions"][0]["id"] == sid


def test_the_same_account_twice_is_one_row_and_a_second_account_on_the_phone_is_refused_and_flagged(app, world):
    activity, first, second = world.create(), world.learner(), world.learner("李医生")
    world.clock.at(START, -60)
    url = world.code(activity)
    assert world.check(first, url, device="phone-A").status_code == 201
    again = world.check(first, url, device="phone-A")
    assert again.status_code == 200 and _count(app, Attendance) == 1
    borrowed = world.check(second, url, device="phone-A")
    assert borrowed.status_code == 409 and borrowed.json["code"] == "device_in_use"
    assert "同一部手机" in borrowed.json["message"] or "这部手机" in borrowed.json["message"]
    assert _count(app, AttendanceRefusal, AttendanceRefusal.reason == "device_in_use") == 1
    roster = world.caller(world.admin).client
    from tests.helpers import PASSWORD, login
    login(roster, world.admin.username, PASSWORD)
    page = roster.get(f"/activities/{activity['id']}").get_data(as_text=True)
    assert "李医生" in page and "一部手机登录两个账号" in page


def test_the_geofence_accepts_inside_radius_plus_accuracy_refuses_outside_and_flags_no_fix(app, world):
    activity = world.create()
    inside, outside, blind, vague = (world.learner(n) for n in ("甲", "乙", "丙", "丁"))
    world.clock.at(START, -60)
    url = world.code(activity)
    # About 150 m north of the venue: outside the 100 m radius, inside it with 60 m of accuracy.
    assert world.check(inside, url, lat=30.27545, accuracy=60).status_code == 201
    refused = world.check(outside, url, lat=30.27545, accuracy=20)
    assert refused.status_code == 409 and refused.json["code"] == "outside_venue"
    with app.app_context():
        kept = db.session.scalar(select(AttendanceRefusal).where(AttendanceRefusal.reason == "outside_venue"))
        assert kept.details["lat"] == 30.27545 and kept.details["accuracy"] == 20 and 140 < kept.details["distance_m"] < 160
    no_fix = world.check(blind, url, lat=None, lon=None, accuracy=None)
    assert no_fix.status_code == 201 and no_fix.json["flags"] == ["no_position"]
    poor = world.check(vague, url, accuracy=500)
    assert poor.status_code == 201 and "poor_accuracy" in poor.json["flags"]


def test_someone_not_on_the_list_is_refused(app, world):
    activity = world.create(allowed_units=["330101"])
    listed, stranger = world.learner(), world.learner("外院", unit=world.other_unit)
    world.clock.at(START, -60)
    url = world.code(activity)
    assert world.check(listed, url).status_code == 201
    refused = world.check(stranger, url)
    assert refused.status_code == 409 and refused.json["code"] == "not_allowed"


def test_fifty_learners_at_once_give_fifty_rows_and_ten_repeats_give_one(app, world):
    activity = world.create()
    learners = [world.learner(f"学员{n}") for n in range(50)]
    callers = [world.caller(learner) for learner in learners]
    world.clock.at(START, -60)
    url = world.code(activity)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda pair: world.check(pair[0], url, caller=pair[1].fresh()),
                                zip(learners, callers, strict=True)))
    assert sorted({a.status_code for a in answers}) == [201]
    assert _count(app, Attendance) == 50
    one = world.learner("重复")
    caller = world.caller(one)
    with ThreadPoolExecutor(max_workers=10) as pool:
        repeats = list(pool.map(lambda _: world.check(one, url, caller=caller.fresh()), range(10)))
    assert sorted(a.status_code for a in repeats).count(201) == 1
    assert {a.status_code for a in repeats} <= {200, 201}
    assert _count(app, Attendance, Attendance.person_id == one.id) == 1


def test_the_last_required_check_out_grants_one_approved_record_and_closing_grants_nothing_more(app, world):
    activity, learner, partial = world.create(), world.learner(), world.learner("半途")
    world.attend(learner, activity, 0)
    world.attend(partial, activity, 0)
    assert _count(app, CreditRecord) == 0
    world.attend(learner, activity, 1)
    with app.app_context():
        record = db.session.scalar(select(CreditRecord).where(CreditRecord.person_id == learner.id))
        assert record.status == "approved" and record.activity_id == activity["id"]
        assert str(record.credits) == "4.00" and str(record.hours) == "8.0" and record.credit_class == "I"
        assert record.activity_name == activity["name"] and record.activity_number == activity["number"]
        assert db.session.get(CreditYear, (learner.id, 2026)).credits == record.credits
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.record_id == record.id)) == "grant"
    listed = world.caller(learner).get("/api/v1/credits/?from=2026-01-01&to=2026-12-31&status=all").json
    assert [r["activity_id"] for r in listed["records"]] == [activity["id"]]
    closed = world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close")
    assert closed.status_code == 200 and closed.json["granted"] == []
    assert _count(app, CreditRecord) == 1
    # Closed: no more scans.
    world.clock.at(dt.datetime.fromisoformat(activity["sessions"][1]["starts_at"]), -60)
    assert world.check(partial, world.code(activity, 1)).json["code"] == "window_closed"


def test_closing_grants_those_who_met_a_min_sessions_rule_and_says_why_the_others_fell_short(app, world):
    activity = world.create(sessions=3, min_sessions=2)
    met, short = world.learner("达标"), world.learner("缺课")
    world.attend(met, activity, 0)
    world.attend(met, activity, 1)  # the second of two required sessions grants it already
    world.attend(short, activity, 0)
    world.clock.at(dt.datetime.fromisoformat(activity["sessions"][2]["starts_at"]), -60)
    assert world.check(short, world.code(activity, 2)).status_code == 201  # in, never out
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.person_id == met.id)) == 1
    assert world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close").json["granted"] == []
    from tests.helpers import PASSWORD, login
    client = app.test_client()
    login(client, world.admin.username, PASSWORD)
    page = client.get(f"/activities/{activity['id']}").get_data(as_text=True)
    assert "已授予" in page and "缺课" in page and "1/2" not in page
    assert "已参加 1 场，需 2 场" in page and "未签退：第3讲" in page


def test_another_units_activity_is_a_404_and_a_learner_organises_nothing(app, world):
    activity = world.create()
    other_admin = world.users.person(world.other_unit, role="unit_admin", name="外院管理")
    stranger = world.caller(other_admin)
    sid = activity["sessions"][0]["id"]
    assert stranger.get(f"/api/v1/activities/{activity['id']}").status_code == 404
    assert stranger.get(f"/api/v1/activities/{activity['id']}/sessions/{sid}/code").status_code == 404
    assert stranger.post(f"/api/v1/activities/{activity['id']}/close").status_code == 404
    learner = world.caller(world.learner())
    assert learner.get(f"/api/v1/activities/{activity['id']}").status_code in (403, 404)
    assert learner.post("/api/v1/activities/", json={"name": "x"}).status_code in (403, 404)


def test_a_venue_picked_on_a_chinese_map_is_stored_as_wgs84_and_fences_the_real_place(app, world):
    from portal.activities import geo

    gcj = geo.wgs84_to_gcj02(30.2741, 120.1551)
    activity = world.create(sessions=1)
    body = world.caller(world.admin).post("/api/v1/activities/", json={
        "name": "高德选点", "category_id": activity["category_id"], "credit_level": "provincial", "credits": "1",
        "hours": "2", "sessions": [{**activity["sessions"][0], "id": None, "lat": gcj[0], "lon": gcj[1],
                                    "datum": "gcj02", "radius_m": 50}]}).json
    stored = body["sessions"][0]
    assert geo.distance_m(stored["lat"], stored["lon"], 30.2741, 120.1551) < 1
    world.clock.at(START, -60)
    # A phone standing at the venue (GPS, WGS-84) is inside the 50 m radius.
    assert world.check(world.learner(), world.code(body), accuracy=10).status_code == 201



def test_grants_at_once_dated_in_two_years_give_one_record(app, world):
    """The unique index names the credit year, so two grants of one activity dated either side of
    New Year would both fit it: the person's row, locked first, keeps them to one record. Each grant
    waits after its look for an earlier record until the other has looked too (or 3 s)."""
    activity, learner = world.create(), world.learner()
    looked = threading.Barrier(2)

    def wait_for_the_other(_conn, _cursor, statement, *_):
        if "EXISTS" in statement.upper() and "credit_record.activity_id" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):  # the other waits for this one's lock
                looked.wait(timeout=3)

    def grant(last_session):
        with app.app_context():
            actor = actor_for(db.session.get(Person, world.admin.id).user)
            made = _grant(actor, db.session.get(Activity, activity["id"]), db.session.get(Person, learner.id), last_session)
            db.session.commit()
            return made is not None

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", wait_for_the_other)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            granted = list(pool.map(grant, [dt.datetime(2025, 12, 31, 8, 0, tzinfo=dt.UTC),  # 16:00 and 10:00 in China
                                            dt.datetime(2026, 1, 1, 2, 0, tzinfo=dt.UTC)]))
    finally:
        event.remove(engine, "after_cursor_execute", wait_for_the_other)
    assert granted.count(True) == 1
    assert _count(app, CreditRecord, CreditRecord.person_id == learner.id) == 1


# Hangzhou: 22:00 on 31 December 2025.
NEW_YEARS_EVE = dt.datetime(2025, 12, 31, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_scan_belongs_to_the_year_of_its_sessions_start_in_the_portals_time_zone(app, world):
    """A check-out at 00:10 on 1 January of a session that began on 31 December is of that year, and a
    session at 07:30 on 1 January is of the new year though it is still 31 December in UTC: 考勤记录查询
    and its API list each scan under its session's year, this year's unless another is chosen."""
    body = activity_body(app, sessions=2)
    for session, starts in zip(body["sessions"], (NEW_YEARS_EVE, NEW_YEARS_EVE + dt.timedelta(hours=9, minutes=30)),
                               strict=True):
        session["starts_at"], session["ends_at"] = starts.isoformat(), (starts + dt.timedelta(minutes=110)).isoformat()
    made = world.caller(world.admin).post("/api/v1/activities/", json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    activity, learner = made.json, world.learner()
    world.clock.at(NEW_YEARS_EVE, -300)
    assert world.check(learner, world.code(activity, 0)).status_code == 201
    world.clock.at(NEW_YEARS_EVE + dt.timedelta(hours=2, minutes=10))  # 00:10 on 1 January 2026
    assert world.check(learner, world.code(activity, 0, "check_out")).status_code == 201
    world.clock.at(NEW_YEARS_EVE + dt.timedelta(hours=9, minutes=25))  # 07:25 on 1 January, 23:25 on 31 December in UTC
    assert world.check(learner, world.code(activity, 1)).status_code == 201
    first, second = (s["id"] for s in activity["sessions"])
    api = world.caller(learner)
    of_2025 = api.get("/api/v1/me/attendance?year=2025").json
    assert of_2025["year"] == 2025
    assert sorted((a["session"]["id"], a["kind"]) for a in of_2025["attendance"]) == [(first, "check_in"), (first, "check_out")]
    this_year = api.get("/api/v1/me/attendance").json  # the portal's clock says 2026
    assert this_year["year"] == 2026 and [(a["session"]["id"], a["kind"]) for a in this_year["attendance"]] == [
        (second, "check_in")]
    client = app.test_client()
    login(client, learner.username, PASSWORD)
    page = client.get("/m/attendance/records?year=2025").get_data(as_text=True)
    assert page.count("data-attendance=") == 2 and '<option value="2025" selected>' in page
    assert client.get("/m/attendance/records").get_data(as_text=True).count("data-attendance=") == 1


def test_a_session_moved_into_another_year_takes_its_attendance_along(app, world):
    activity, learner = world.create(sessions=1), world.learner()
    world.attend(learner, activity, 0)
    moved = dict(activity["sessions"][0], starts_at=(START - dt.timedelta(days=365)).isoformat(),
                 ends_at=(START - dt.timedelta(days=365) + dt.timedelta(hours=2)).isoformat())
    with app.test_request_context():
        from portal.activities import services

        admin = actor_for(db.session.get(Person, world.admin.id).user)
        services.save(admin, {"name": activity["name"], "category_id": activity["category_id"], "credit_level": "provincial",
                              "credits": "4", "hours": "8", "sessions": [moved]}, services.get(admin, activity["id"]))
    api = world.caller(learner)
    assert len(api.get("/api/v1/me/attendance?year=2025").json["attendance"]) == 2
    assert api.get("/api/v1/me/attendance?year=2026").json["attendance"] == []
    organiser = app.test_client()
    login(organiser, world.admin.username, PASSWORD)
    roster = organiser.get(f"/activities/{activity['id']}").get_data(as_text=True)
    assert "张医生" in roster and "已授予" in roster
