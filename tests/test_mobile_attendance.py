"""The phone app and the activities meet: the app's home lists the learner's next sessions under
the scanner, and its grid leads to 考勤登记, 考勤记录查询 and 我的二维码, for staff and for
out-of-province learners (whose credits come only from activities) alike."""
import datetime as dt

import pytest

from portal.accounts.actor import actor_for
from portal.extensions import db
from portal.mobile import entries
from portal.models import Person
from tests.activity_world import START, ActivityWorld
from tests.helpers import PASSWORD, login

ATTENDANCE = ("/m/attendance", "/m/attendance/records", "/m/my-code")


@pytest.fixture
def world(app, users):
    return ActivityWorld(app, users)


def test_the_home_screen_lists_the_next_sessions_and_leads_to_attendance(app, world):
    world.create()
    world.clock.at(START - dt.timedelta(days=1))
    client = app.test_client()
    login(client, world.learner().username, PASSWORD)
    home = client.get("/m/").get_data(as_text=True)
    assert "近期课程" in home and "第1讲" in home and "心血管疾病新进展学习班" in home and "学术报告厅" in home
    for path in ATTENDANCE:
        assert f'href="{path}"' in home
        assert client.get(path).status_code == 200, path


def test_out_of_province_learners_get_the_attendance_entries_too(app, world):
    visitor = world.users.person(world.unit, name="外省学员", out_of_province=True)
    with app.test_request_context():
        shown = {e.endpoint for e in entries.shown(actor_for(db.session.get(Person, visitor.id).user))}
    assert {"AttendanceView.upcoming", "AttendanceView.records", "AttendanceView.my_code"} <= shown


def test_no_sessions_no_list(app, world):
    client = app.test_client()
    login(client, world.learner().username, PASSWORD)
    assert "近期课程" not in client.get("/m/").get_data(as_text=True)


def test_the_attendance_pages_are_app_pages_with_the_way_back_to_the_app(app, world):
    world.create()
    world.clock.at(START - dt.timedelta(days=1))
    client = app.test_client()
    login(client, world.learner().username, PASSWORD)
    for path in ATTENDANCE:
        page = client.get(path).get_data(as_text=True)
        assert '<body class="m">' in page and 'class="m-back" href="/m/"' in page, path  # the app's layout
        assert 'rel="manifest"' in page and "navbar" not in page, path  # not the web pages' layout
    upcoming = client.get("/m/attendance").get_data(as_text=True)
    assert "第1讲" in upcoming and "学术报告厅" in upcoming
    empty = client.get("/m/attendance/records").get_data(as_text=True)
    assert '<li class="m-card m-muted">2026年度暂无考勤记录。</li>' in empty and "<table" not in empty


def test_the_former_addresses_and_the_web_menu_lead_to_the_app_pages(app, world):
    client = app.test_client()
    login(client, world.learner().username, PASSWORD)
    for former, now in zip(("/attendance/", "/attendance/records", "/attendance/my-code"), ATTENDANCE, strict=True):
        answer = client.get(former)
        assert answer.status_code == 301 and answer.headers["Location"] == now
    web = client.get("/", follow_redirects=True).get_data(as_text=True)  # a web page, with its menu
    for path in ATTENDANCE:
        assert f'href="{path}"' in web, path
