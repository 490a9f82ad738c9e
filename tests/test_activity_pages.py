"""The organiser's pages (the activity form, the roster and its Excel export, closing, 项目管理员),
the check-in page a phone opens from the projector (with its device cookie), 我的二维码 scanned by
the organiser, the learner's pages, and an out-of-province learner's record and certificate."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.activities import services
from portal.certificates import services as certificates
from portal.extensions import db
from portal.models import Activity, AuditEntry, CreditRecord, Person
from tests.activity_world import START, ActivityWorld, activity_body, free_form_category
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _browser(app, who):
    client = app.test_client()
    login(client, who.username, PASSWORD)
    return client


def _local(moment: dt.datetime) -> str:
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def test_an_organiser_creates_an_activity_on_the_form_and_nothing_typed_is_lost_on_an_error(app, world):
    client = _browser(app, world.admin)
    form = client.get("/activities/new").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(form), "name": "急诊技能培训班", "number": "ZJ-2026-9", "category_id": "",
              "credit_level": "city", "credits": "2", "hours": "4", "min_sessions": "",
              "sessions-0-id": "", "sessions-0-title": "心肺复苏", "sessions-0-teacher": "周老师",
              "sessions-0-starts_at": _local(START), "sessions-0-ends_at": _local(START + dt.timedelta(hours=2)),
              "sessions-0-venue": "技能中心", "sessions-0-lat": "", "sessions-0-lon": "", "sessions-0-radius_m": "",
              "sessions-0-check_out": "1", "sessions-1-id": "", "sessions-1-title": "", "sessions-1-starts_at": "",
              "sessions-1-ends_at": "", "sessions-1-venue": ""}
    refused = client.post("/activities/new", data=fields).get_data(as_text=True)
    assert "请选择学分类别" in refused and "急诊技能培训班" in refused and "心肺复苏" in refused
    fields["category_id"] = str(free_form_category(app))
    saved = client.post("/activities/new", data=fields, follow_redirects=True).get_data(as_text=True)
    assert "项目“急诊技能培训班”已保存" in saved and "心肺复苏" in saved and "投屏：签到" in saved
    with app.app_context():
        activity = db.session.scalar(select(Activity))
        assert activity.unit_id == world.unit and activity.sessions[0].starts_at == START.replace(tzinfo=None)
        assert activity.starts_on == dt.date(2026, 3, 10)
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "activity_save"))


def test_the_roster_exports_to_excel_and_another_unit_cannot_export_it(app, world):
    activity, learner = world.create(), world.learner()
    world.attend(learner, activity, 0)
    client = _browser(app, world.admin)
    page = client.get(f"/activities/{activity['id']}").get_data(as_text=True)
    action = re.search(r'formaction="(/exports/activity_roster\.[a-z_]+)"', page).group(1)
    answer = client.post(action, data={"csrf_token": csrf_from(page), "activity_id": activity["id"]})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    flat = [str(c) for row in rows for c in row if c is not None]
    assert "张医生" in flat and any("签到" in c for c in flat) and any("未达要求" in c for c in flat)
    other = world.users.person(world.other_unit, role="unit_admin", name="外院管理")
    stranger = _browser(app, other)
    token = csrf_from(stranger.get("/activities/new").get_data(as_text=True))
    assert stranger.post(action, data={"csrf_token": token, "activity_id": activity["id"]}).status_code == 404
    assert stranger.get(f"/activities/{activity['id']}").status_code == 404


def test_a_unit_admin_grants_project_admin_who_then_organises_only_their_units_activities(app, world):
    organiser = world.learner("项目秘书")
    client = _browser(app, world.admin)
    page = client.get("/activities/organisers").get_data(as_text=True)
    done = client.post("/activities/organisers", data={"csrf_token": csrf_from(page), "grant": "1",
                                                        "id_number": organiser.id_number}, follow_redirects=True)
    assert "项目秘书 已成为项目管理员" in done.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "project_admin_grant"))
        assert entry.user_id is not None and "ProjectAdmin" in entry.after["roles"]
    mine = world.create()
    other_admin = world.users.person(world.other_unit, role="unit_admin", name="外院管理")
    theirs = world.caller(other_admin).post("/api/v1/activities/", json=activity_body(app, name="外院项目")).json
    secretary = world.caller(organiser)
    assert secretary.get(f"/api/v1/activities/{mine['id']}").status_code == 200
    assert secretary.get(f"/api/v1/activities/{theirs['id']}").status_code == 404
    # A unit admin cannot make someone of another unit a project admin.
    stranger = world.learner("外院医生", unit=world.other_unit)
    refused = client.post("/activities/organisers", data={"csrf_token": csrf_from(page), "grant": "1",
                                                           "id_number": stranger.id_number}, follow_redirects=True)
    assert "本单位没有该身份证号的人员" in refused.get_data(as_text=True)


def test_the_check_in_page_confirms_with_csrf_sets_a_device_cookie_and_refuses_a_borrowed_phone(app, world):
    activity, first, second = world.create(), world.learner(), world.learner("李医生")
    world.clock.at(START, -60)
    path = world.code(activity).removeprefix(app.config["BASE_URL"])
    anonymous = app.test_client()
    location = anonymous.get(path).headers["Location"]
    assert "/login/" in location and "next=" in location
    # Signing in from there comes back to the check-in page.
    back = login(anonymous, first.username, PASSWORD, next_url=path)
    assert back.headers["Location"].endswith(path)
    phone = _browser(app, first)
    page = phone.get(path)
    cookie = page.headers.getlist("Set-Cookie")
    device = next(c for c in cookie if c.startswith("portal_device="))
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Max-Age=34560000" in device
    html = page.get_data(as_text=True)
    assert "确认考勤" in html
    assert phone.post(path, data={"lat": "30.2741", "lon": "120.1551"}).status_code == 400  # no CSRF token
    done = phone.post(path, data={"csrf_token": csrf_from(html), "lat": "30.2741", "lon": "120.1551", "accuracy": "15"})
    assert "签到成功" in done.get_data(as_text=True)
    # The same phone, signed in as someone else: the cookie stays with the phone.
    phone.get("/logout/")
    login(phone, second.username, PASSWORD)
    html = phone.get(path).get_data(as_text=True)
    borrowed = phone.post(path, data={"csrf_token": csrf_from(html), "lat": "30.2741", "lon": "120.1551"})
    assert "这部手机已有其他账号" in borrowed.get_data(as_text=True)
    # A cookie not signed by the portal counts as none: it is replaced by a signed one.
    phone.set_cookie("portal_device", "forged")
    third = world.learner("赵医生")
    phone.get("/logout/")
    login(phone, third.username, PASSWORD)
    page = phone.get(path)
    assert any(c.startswith("portal_device=") and "forged" not in c for c in page.headers.getlist("Set-Cookie"))
    world.clock.move(90)
    stale = _browser(app, world.learner("王医生")).get(path).get_data(as_text=True)
    assert "二维码已过期" in stale and "确认考勤" not in stale


def test_the_organiser_scans_my_code_and_a_code_a_minute_old_is_refused(app, world):
    activity, learner = world.create(sessions=1), world.learner()
    world.clock.at(START, -60)
    mine = world.caller(learner).get("/api/v1/me/code?svg=1").json
    assert mine["code"].startswith(f"CME1:{learner.id}:") and "<svg" in mine["svg"] and 0 < mine["expires_in"] <= 30
    sid = activity["sessions"][0]["id"]
    scan = f"/api/v1/activities/{activity['id']}/sessions/{sid}/scan"
    organiser = world.caller(world.admin)
    first = organiser.post(scan, json={"code": mine["code"], "kind": "check_in"})
    assert first.status_code == 201 and first.json["name"] == "张医生" and first.json["via"] == "scan"
    assert organiser.post(scan, json={"code": mine["code"], "kind": "check_in"}).status_code == 200
    world.clock.move(65)
    other = world.learner("李医生")
    old = world.caller(other).get("/api/v1/me/code").json["code"]
    world.clock.move(65)
    late = organiser.post(scan, json={"code": old, "kind": "check_in"})
    assert late.status_code == 409 and late.json["code"] == "unknown_code"
    # A learner cannot record anyone's attendance by scanning.
    assert world.caller(other).post(scan, json={"code": old, "kind": "check_in"}).status_code in (403, 404)
    # The key is kept encrypted, not as the TOTP secret itself.
    with app.app_context():
        from portal.models import PersonalCodeKey
        stored = db.session.get(PersonalCodeKey, learner.id).encrypted
        assert stored.startswith("gAAAA") and len(stored) > 60


def test_an_out_of_province_learner_who_attends_gets_a_record_and_a_certificate(app, world):
    visitor = world.users.person(world.unit, name="外省来客", out_of_province=True)
    activity = world.create(sessions=1)
    sid = activity["sessions"][0]["id"]
    scan = f"/api/v1/activities/{activity['id']}/sessions/{sid}/scan"
    organiser = world.caller(world.admin)
    for kind, moment in (("check_in", START - dt.timedelta(minutes=5)), ("check_out", START + dt.timedelta(hours=2))):
        world.clock.at(moment)
        with app.test_request_context():
            code = services.personal_code(db.session.get(Person, visitor.id))
        assert organiser.post(scan, json={"code": code, "kind": kind}).status_code == 201
    with app.test_request_context():
        person = db.session.get(Person, visitor.id)
        record = db.session.scalar(select(CreditRecord).where(CreditRecord.person_id == visitor.id))
        assert record.status == "approved" and record.activity_id == activity["id"]
        issued = certificates.issue(actor_for(person.user), [record.id])
        assert issued[0].record_id == record.id and issued[0].number


def test_the_learner_pages_show_upcoming_sessions_attendance_and_my_code(app, world):
    activity, learner = world.create(), world.learner()
    world.clock.at(START, -3600)
    client = _browser(app, learner)
    upcoming = client.get("/m/attendance").get_data(as_text=True)
    assert "第1讲" in upcoming and "学术报告厅" in upcoming and "uri.amap.com" in upcoming
    world.attend(learner, activity, 0)
    records = client.get("/m/attendance/records").get_data(as_text=True)
    assert "已签到" in records and "已签退" in records and "项目评价" in records and "暂未开放" in records
    assert "我的二维码" in client.get("/m/my-code").get_data(as_text=True)
    mine = world.caller(learner).get("/api/v1/me/attendance").json["attendance"]
    assert {a["kind"] for a in mine} == {"check_in", "check_out"}
