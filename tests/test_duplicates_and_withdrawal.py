"""Entering the same activity twice is stopped until the learner confirms it (web and API), and
the reviewer sees the possible duplicate; a submitted record is withdrawn (撤回) before review and
a rejected one deleted: both leave the lists and totals, and their audit rows stay."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, CreditRecord
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login
from tests.test_credit_api import World, actions, category_id, free_form, png, submitted
from tests.test_credit_pages import post_free_form


@pytest.fixture
def world(app, users):
    return World(app, users)


def _enter(app, caller, unit, confirm=False, **fields):
    body = {"category_id": category_id(app, "非向导录入"), "fields": free_form(unit, **fields)}
    return caller.post("/api/v1/credits/", json={**body, "confirm_duplicate": True} if confirm else body)


def _records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CreditRecord.id)))


def _totals(caller) -> dict:
    answer = caller.get("/api/v1/credits/?status=all&from=2025-01-01&to=2025-12-31")
    assert answer.status_code == 200
    return {"count": answer.json["count"], **answer.json["totals"], "ids": [r["id"] for r in answer.json["records"]]}


def test_the_same_activity_again_is_refused_until_confirmed(app, world):
    learner = world["learner"]
    first = _enter(app, learner, world.unit).json["id"]
    again = _enter(app, learner, world.unit)
    assert again.status_code == 409
    assert again.json["code"] == "possible_duplicate" and again.json["duplicate_of"] == first
    assert f"#{first}" in again.json["message"]
    same_number = _enter(app, learner, world.unit, activity_name="另一个名字")  # same project number
    assert same_number.status_code == 409 and same_number.json["duplicate_of"] == first
    assert _records(app) == 1  # nothing saved by the refusals
    assert _enter(app, learner, world.unit, confirm=True).status_code == 201
    other_day = _enter(app, learner, world.unit, activity_date="2025-03-19", activity_number="2025-01-002")
    assert other_day.status_code == 201
    someone_else = _enter(app, world["stranger"], world.unit)
    assert someone_else.status_code == 201  # another person's identical record is no duplicate of theirs


def test_the_web_form_warns_and_saves_only_once_confirmed(app, client, world):
    learner = world["learner"]
    login(client, learner.made.username, PASSWORD)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    assert post_free_form(client, token, world.unit).status_code == 302
    with app.app_context():
        first = db.session.scalar(select(CreditRecord.id))
    warned = post_free_form(client, token, world.unit)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 200 and "data-duplicate" in html and f"#{first}" in html
    assert 'name="confirm_duplicate"' in html and "证书.png" in html  # the upload waits, not lost
    assert _records(app) == 1
    (pending,) = re.findall(r'name="pending" value="(\d+)"', html)
    saved = post_free_form(client, token, world.unit, evidence=None, pending=pending, confirm_duplicate="1")
    assert saved.status_code == 302 and _records(app) == 2


def test_the_reviewer_sees_the_possible_duplicate(app, client, world):
    learner = world["learner"]
    first = submitted(app, learner, world.unit)["id"]
    second = submitted(app, learner, world.unit)["id"]  # confirmed by the learner
    login(client, world["admin"].made.username, PASSWORD)
    queue = client.get("/review/").get_data(as_text=True)
    row = queue.split(f'data-record="{second}"')[1].split("</tr>")[0]
    assert f"可能与 #{first} 重复" in row
    assert f"可能与 #{second} 重复" in queue.split(f'data-record="{first}"')[1].split("</tr>")[0]
    assert f"可能与 #{first} 重复" in client.get(f"/review/{second}").get_data(as_text=True)


def test_a_withdrawn_record_leaves_lists_totals_and_the_queue_but_keeps_its_audit_rows(app, client, world):
    learner, admin = world["learner"], world["admin"]
    kept = submitted(app, learner, world.unit, activity_name="保留的学习班", activity_number="A-1")
    record = submitted(app, learner, world.unit, activity_name="撤回的学习班", activity_number="A-2")
    before = _totals(learner)
    assert before["count"] == 2 and before["credits"] == "7.00"
    stale = learner.post(f"/api/v1/credits/{record['id']}/withdraw", json={"version": record["version"] - 1})
    assert stale.status_code == 409
    assert world["stranger"].post(f"/api/v1/credits/{record['id']}/withdraw",
                                  json={"version": record["version"]}).status_code == 404
    done = learner.post(f"/api/v1/credits/{record['id']}/withdraw", json={"version": record["version"]})
    assert done.status_code == 200 and done.json["result"]["status"] == "withdrawn"
    after = _totals(learner)
    assert (after["count"], after["credits"], after["ids"]) == (1, "3.50", [kept["id"]])
    assert actions(app, record["id"]) == ["create", "evidence_add", "submit", "withdraw"]
    assert learner.get(f"/api/v1/credits/{record['id']}").status_code == 404
    assert admin.post(f"/api/v1/credits/{record['id']}/review",
                      json={"decision": "approve", "version": record["version"]}).status_code == 404
    login(client, admin.made.username, PASSWORD)
    assert "撤回的学习班" not in client.get("/review/").get_data(as_text=True)


def test_only_a_record_waiting_for_review_is_withdrawn(app, world):
    learner = world["learner"]
    record = submitted(app, learner, world.unit)
    assert world["admin"].post(f"/api/v1/credits/{record['id']}/review",
                      json={"decision": "approve", "version": record["version"]}).status_code == 200
    approved = learner.get(f"/api/v1/credits/{record['id']}").json["result"]
    answer = learner.post(f"/api/v1/credits/{record['id']}/withdraw", json={"version": approved["version"]})
    assert answer.status_code == 409
    assert learner.get(f"/api/v1/credits/{record['id']}").json["result"]["status"] == "approved"


def test_a_deleted_rejected_record_leaves_lists_and_totals_but_keeps_its_audit_rows(app, client, world):
    learner, admin = world["learner"], world["admin"]
    record = submitted(app, learner, world.unit)
    assert learner.client.delete(f"/api/v1/credits/{record['id']}?version={record['version']}",
                                 headers=learner.headers).status_code == 409  # waiting for review: withdraw it
    rejected = admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "reject", "comment": "证书模糊",
                                                                      "version": record["version"]})
    assert rejected.status_code == 200
    assert _totals(learner)["count"] == 1
    version = rejected.json["result"][0]["version"]
    deleted = learner.client.delete(f"/api/v1/credits/{record['id']}?version={version}", headers=learner.headers)
    assert deleted.status_code == 200 and deleted.json["result"]["status"] == "deleted"
    assert _totals(learner) == {"count": 0, "credits": "0.00", "hours": "0.0", "class_1": "0.00", "class_2": "0.00",
                                "other": "0.00", "ids": []}
    assert actions(app, record["id"]) == ["create", "evidence_add", "submit", "reject", "delete"]
    with app.app_context():
        row = db.session.get(CreditRecord, record["id"])
        assert row is not None and row.status == "deleted"
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.record_id == record["id"])) == 5
    login(client, learner.made.username, PASSWORD)
    assert "心血管新进展学习班" not in client.get("/credits/mine?year=all").get_data(as_text=True)
    assert client.get(f"/credits/{record['id']}").status_code == 404


def test_a_rejected_record_is_deleted_from_its_page(app, client, world):
    learner, admin = world["learner"], world["admin"]
    record = submitted(app, learner, world.unit)
    admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "reject", "comment": "证书模糊",
                                                                      "version": record["version"]})
    login(client, learner.made.username, PASSWORD)
    page = client.get(f"/credits/{record['id']}").get_data(as_text=True)
    assert f"/credits/{record['id']}/delete" in page
    version = int(page.split('name="version" value="')[1].split('"')[0])
    done = client.post(f"/credits/{record['id']}/delete", data={"csrf_token": csrf_from(page), "version": version},
                       follow_redirects=True)
    assert "记录已删除" in done.get_data(as_text=True)
    assert actions(app, record["id"])[-1] == "delete"


def test_a_correction_is_not_called_a_duplicate_of_the_record_it_corrects(app, client, world):
    learner, admin = world["learner"], world["admin"]
    record = submitted(app, learner, world.unit)
    assert admin.post(f"/api/v1/credits/{record['id']}/review",
                      json={"decision": "approve", "version": record["version"]}).status_code == 200
    login(client, learner.made.username, PASSWORD)
    page = client.get(f"/credits/{record['id']}").get_data(as_text=True)
    made = client.post(f"/credits/{record['id']}/correct", data={"csrf_token": csrf_from(page)})
    correction = int(made.location.rstrip("/").split("/")[-2])
    assert learner.upload(correction, png(), "新证书.png").status_code == 201
    assert learner.post(f"/api/v1/credits/{correction}/submit").status_code == 200
    reviewer = app.test_client()
    login(reviewer, admin.made.username, PASSWORD)
    row = reviewer.get("/review/").get_data(as_text=True).split(f'data-record="{correction}"')[1].split("</tr>")[0]
    assert "重复" not in row
