"""项目评价 from the learner's, the organiser's and a snooper's side: once per learner who attended,
averages and comments without names, and a credit that waits for the evaluation when asked to."""
from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from portal.extensions import db
from portal.models import CreditRecord
from tests.activity_world import ActivityWorld
from tests.conftest import csrf_from
from tests.helpers import login

ANSWERS = {"ratings": {"content": 5, "novelty": 4, "organisation": 5, "facilities": 3, "overall": 4},
           "teachers": {"陈教授": 5}, "comment": "讲得很清楚"}


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _attach(world, activity, required=False):
    answer = world.caller(world.admin).put(f"/api/v1/activities/{activity['id']}/evaluation", json={"required": required})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json


def _records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CreditRecord))


def test_a_learner_who_attended_evaluates_once_and_one_who_did_not_is_refused(app, world):
    activity, learner, absent = world.create(sessions=1), world.learner(), world.learner("缺席")
    url = f"/api/v1/activities/{activity['id']}/evaluation"
    assert world.caller(learner).get(url).status_code == 404  # nothing attached yet
    items = _attach(world, activity)["items"]
    assert [i["key"] for i in items] == list(ANSWERS["ratings"])
    form = world.caller(learner).get(url).json
    assert form["teachers"] == ["陈教授"] and form["evaluated"] is False
    world.attend(learner, activity, 0)
    assert world.caller(absent).post(url, json=ANSWERS).json["code"] == "not_attended"
    assert world.caller(learner).post(url, json={**ANSWERS, "ratings": {"content": 6}}).status_code == 400
    assert world.caller(learner).post(url, json=ANSWERS).status_code == 201
    again = world.caller(learner).post(url, json=ANSWERS)
    assert again.status_code == 409 and again.json["code"] == "already_evaluated"
    assert world.caller(learner).get(url).json["evaluated"] is True


def test_the_organiser_sees_averages_and_comments_and_never_who_said_what(app, world, users):
    activity = world.create(sessions=1)
    _attach(world, activity)
    first, second = world.learner("甲医生"), world.learner("乙医生")
    url = f"/api/v1/activities/{activity['id']}/evaluation"
    for learner, overall, comment in ((first, 5, "甲的意见"), (second, 2, "乙的意见")):
        world.attend(learner, activity, 0)
        body = {**ANSWERS, "ratings": {**ANSWERS["ratings"], "overall": overall}, "comment": comment}
        assert world.caller(learner).post(url, json=body).status_code == 201
    seen = world.caller(world.admin).get(url)
    assert seen.json["answers"] == 2 and seen.json["comments"] == ["乙的意见", "甲的意见"]
    assert dict((i["label"], i["average"]) for i in seen.json["items"])["总体满意度"] == "3.50"
    assert seen.json["teachers"] == [{"name": "陈教授", "average": "5.00"}]
    client = app.test_client()
    login(client, world.admin.username, world.admin.password)
    page = client.get(f"/evaluations/activity/{activity['id']}").get_data(as_text=True)
    overview = client.get("/evaluations/").get_data(as_text=True)
    for text in (seen.get_data(as_text=True), page, overview):
        for name, learner in (("甲医生", first), ("乙医生", second)):
            assert name not in text and learner.id_number not in text and learner.username not in text
    assert "甲的意见" in page and "3.50" in page
    with app.app_context():  # the answers' table holds nobody
        columns = {c["name"] for c in inspect(db.engine).get_columns("evaluation_answer")}
        assert not columns & {"person_id", "user_id", "created_by", "created_at"}
    # Another unit's admin may attend (the activity is open to all) and so reads the form, never the answers.
    stranger = users.person(world.other_unit, role="unit_admin", name="外院管理")
    as_learner = world.caller(stranger).get(url)
    assert as_learner.status_code == 200 and "comments" not in as_learner.json and "甲的意见" not in as_learner.text
    assert world.caller(stranger).put(url, json={"required": True}).status_code == 404


def test_a_required_evaluation_holds_the_credit_until_it_is_given_and_grants_it_once(app, world):
    activity, learner = world.create(sessions=1), world.learner()
    _attach(world, activity, required=True)
    world.attend(learner, activity, 0)
    assert _records(app) == 0
    client = app.test_client()
    login(client, world.admin.username, world.admin.password)
    assert "尚未完成：项目评价" in client.get(f"/activities/{activity['id']}").get_data(as_text=True)  # the roster says why
    closed = world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close").json
    assert closed["granted"] == []
    assert world.caller(learner).post(f"/api/v1/activities/{activity['id']}/evaluation", json=ANSWERS).status_code == 201
    assert _records(app) == 1


def test_a_learner_evaluates_from_the_attendance_records_page(app, world):
    activity, learner = world.create(sessions=1), world.learner()
    _attach(world, activity)
    world.attend(learner, activity, 0)
    client = app.test_client()
    login(client, learner.username, learner.password)
    records = client.get("/m/attendance/records").get_data(as_text=True)
    link = f"/evaluate/{activity['id']}"
    assert link in records
    page = client.get(link).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "comment": "很好", "teacher-0": "4",
            **{f"item-{key}": "5" for key in ANSWERS["ratings"]}}
    assert client.post(link, data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400
    assert client.post(link, data=form).status_code == 302
    assert link not in client.get("/m/attendance/records").get_data(as_text=True)


def test_the_province_edits_the_default_form_and_an_attached_activity_keeps_its_items(app, world, users):
    activity = world.create(sessions=1)
    before = _attach(world, activity)["items"]
    client = app.test_client()
    province = users.province_admin()
    login(client, province.username, province.password)
    page = client.get("/evaluations/form").get_data(as_text=True)
    saved = client.post("/evaluations/form", data={"csrf_token": csrf_from(page), "name": "新评价表",
                                                   "items": "总体满意度\n课件质量"})
    assert saved.status_code == 302
    learner = world.learner()
    assert world.caller(learner).get(f"/api/v1/activities/{activity['id']}/evaluation").json["items"] == before
    unit_admin = app.test_client()
    login(unit_admin, world.admin.username, world.admin.password)
    assert unit_admin.get("/evaluations/form").status_code in (302, 403, 404)
