"""Where I stand: this year's approved credits and hours against each requirement of the rule set
that applies, what waits for review apart, what is missing in words, and the year's last day,
on the home page and as JSON; 学分情况查询's sums split by review status, approved first."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditCategory, EvidenceFile, Person
from tests.helpers import PASSWORD, api_token, approved_record, login

FREE = "非向导录入"


@pytest.fixture
def learner(app, users):
    """This year: 12 approved credits (8 of them Class I), 4 waiting for review, a 2-credit draft."""
    users.province_admin()
    made = users.person(users.unit("330101", level="二级", name="第一医院"), self_entry=True, name="王小明")
    today = dt.date.today()
    approved_record(app, made.id, FREE, today, {"credits": "8", "hours": "24"}, "national", name="国家级学习班")
    approved_record(app, made.id, FREE, today, {"credits": "4", "hours": "12"}, "city", name="市级学习班")
    with app.test_request_context():
        person = db.session.get(Person, made.id)
        me = actor_for(person.user)
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == FREE))
        common = {"activity_date": today, "credit_level": "city"}
        waiting = credits.create(me, free, {**common, "activity_name": "待审学习班"}, {"credits": "4", "hours": "10"})
        db.session.add(EvidenceFile(record_id=waiting.id, record_year=waiting.credit_year,
                                    person_id=made.id, stored_name="w" * 32, original_name="a.jpg",
                                    media_type="image/jpeg", size=1, sha256="0" * 64))
        credits.create(me, free, {**common, "activity_name": "草稿学习班"}, {"credits": "2", "hours": "6"})
        db.session.commit()
        credits.submit(me, [waiting])
    return made


def test_the_progress_json_sets_approved_against_each_requirement_and_pending_apart(app, learner):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    body = client.get("/api/v1/compliance/progress", headers=headers).json
    today = dt.date.today()
    assert (body["year"], body["compliant"], body["result"]) == (today.year, False, "不达标")
    assert body["deadline"] == f"{today.year}-12-31"
    assert body["days_left"] == (dt.date(today.year, 12, 31) - today).days
    lines = {line["requirement"]: line for line in body["requirements"]}
    assert (lines["total"]["approved"], lines["total"]["required"], lines["total"]["pending"]) == ("12.00", "25.00", "4.00")
    assert lines["total"]["met"] is False
    assert (lines["hours"]["approved"], lines["hours"]["pending"]) == ("36.0", "10.0")
    assert body["pending"] == {"records": 1, "credits": "4.00", "hours": "10.0"}
    assert body["not_submitted"] == {"records": 1, "credits": "2.00", "hours": "6.0"}
    assert "总学分还差 13.00 分" in body["missing"]
    # The same verdict as 达标情况查询 gives.
    verdict = client.get(f"/api/v1/compliance/{today.year}", headers=headers).json
    assert verdict["totals"]["credits"] == lines["total"]["approved"]
    assert [s["message"] for s in verdict["shortfalls"]] == body["missing"]


def test_the_home_page_says_where_the_learner_stands(app, learner):
    client = app.test_client()
    login(client, learner.username, PASSWORD)
    html = client.get("/").get_data(as_text=True)
    card = html[html.index("data-progress"):]
    assert "已审核通过 12.00 / 需 25.00" in card and "待审核 4.00" in card
    assert "总学分还差 13.00 分" in card
    assert "1 条记录（4.00 学分）待审核" in card and "1 条草稿或审核不通过的记录（2.00 学分）尚未上报" in card
    assert f"{dt.date.today().year}-12-31" in card


def test_the_credit_query_splits_its_sums_by_status_approved_first(app, learner):
    client = app.test_client()
    login(client, learner.username, PASSWORD)
    html = client.get("/credits/query/").get_data(as_text=True)
    split = html[html.index("data-status-split"):html.index("</ul>", html.index("data-status-split"))]
    statuses = [part.split('"')[0] for part in split.split('data-status="')[1:]]
    assert statuses == ["approved", "submitted", "draft"]
    approved, pending, draft = split.split('data-status="')[1:]
    assert "2 条" in approved and "12.00" in approved
    assert "1 条" in pending and "4.00" in pending
    assert "1 条" in draft and "2.00" in draft
    assert "data-status-split" not in client.get("/credits/query/?status=approved").get_data(as_text=True)
