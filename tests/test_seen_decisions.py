"""Decisions bound to what the reviewer saw (issue 17, item 3): a review decision names the
version of the record it decides on, and is refused (409, nothing decided) when the record was
rejected, edited, given other evidence or resubmitted since; and self-entry, once revoked, stops
every learner write of a session already signed in, web and API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.extensions import db
from portal.models import CreditRecord, EvidenceFile, Person
from portal.people import services as people
from tests.conftest import csrf_from
from tests.helpers import login
from tests.test_credit_api import World, create, png, submitted
from tests.test_credit_pages import post_free_form


@pytest.fixture
def world(app, users):
    return World(app, users)


def state(app, record_id):
    with app.app_context():
        record = db.session.get(CreditRecord, record_id)
        return record.status, record.activity_name, record.version


def rejected_and_changed(app, world, record, **fields):
    """Another admin rejects the record; its learner changes it (fields given, else a new
    evidence file) and submits it again. Returns the new version."""
    learner, url = world["learner"], f"/api/v1/credits/{record['id']}"
    assert world["admin2"].post(f"{url}/review", json={"decision": "reject", "comment": "请修改",
                                                       "version": record["version"]}).status_code == 200
    if fields:
        version = learner.get(url).json["result"]["version"]
        # the tests' records share a project number and date: not a duplicate, confirmed
        assert learner.patch(url, json={"version": version, "fields": fields, "confirm_duplicate": True}).status_code == 200
    else:
        before = state(app, record["id"])[2]
        assert learner.upload(record["id"], png("blue"), "另一张证书.png").status_code == 201
        assert state(app, record["id"])[2] > before  # evidence is content: it moves the version on
    again = learner.post(f"{url}/submit")
    assert again.status_code == 200
    return again.json["result"][0]["version"]


def test_an_api_decision_on_content_changed_since_it_was_read_is_refused(app, world):
    admin = world["admin"]
    record = submitted(app, world["learner"], world["unit"], activity_name="原来的学习班")
    seen = admin.get(f"/api/v1/credits/{record['id']}").json["result"]["version"]
    current = rejected_and_changed(app, world, record, activity_name="换了内容的学习班", credits="9")

    stale = admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "approve", "version": seen})
    assert stale.status_code == 409 and stale.json["code"] == "conflict" and "已被修改" in stale.json["message"]
    assert state(app, record["id"]) == ("submitted", "换了内容的学习班", current)
    # Without a version nothing is decided either.
    missing = admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "approve"})
    assert missing.status_code == 400 and "version" in missing.json["message"]

    fresh = admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "approve", "version": current})
    assert fresh.status_code == 200 and fresh.json["result"][0]["status"] == "approved"


def test_a_batch_decision_with_one_record_given_other_evidence_since_is_refused_whole(app, world):
    admin = world["admin"]
    swapped = submitted(app, world["learner"], world["unit"], activity_name="换了证书的")
    untouched = submitted(app, world["learner"], world["unit"], activity_name="没动过的")
    versions = {str(r["id"]): r["version"] for r in (swapped, untouched)}
    rejected_and_changed(app, world, swapped)  # the same fields, other evidence

    batch = admin.post("/api/v1/reviews/", json={"ids": [swapped["id"], untouched["id"]], "versions": versions,
                                                 "decision": "approve"})
    assert batch.status_code == 409
    assert state(app, swapped["id"])[0] == "submitted" and state(app, untouched["id"])[0] == "submitted"
    no_versions = admin.post("/api/v1/reviews/", json={"ids": [untouched["id"]], "decision": "approve"})
    assert no_versions.status_code == 400 and state(app, untouched["id"])[0] == "submitted"


def test_a_web_decision_on_a_changed_record_is_409_with_the_new_content_shown(app, world):
    record = submitted(app, world["learner"], world["unit"], activity_name="原来的学习班")
    other = submitted(app, world["learner"], world["unit"], activity_name="另一条")
    reviewer = app.test_client()
    login(reviewer, world["admin"].made.username, world["admin"].made.password)
    page = reviewer.get(f"/review/{record['id']}").get_data(as_text=True)
    seen = re.search(rf'name="version-{record["id"]}" value="(\d+)"', page).group(1)
    queue = reviewer.get("/review/").get_data(as_text=True)
    rejected_and_changed(app, world, record, activity_name="换了内容的学习班")
    token = csrf_from(page)

    single = reviewer.post("/review/decide", data={"csrf_token": token, "record_id": [record["id"]],
                                                   f"version-{record['id']}": seen, "decision": "approve"})
    html = single.get_data(as_text=True)
    assert single.status_code == 409
    assert "在您打开后已被修改" in html and "换了内容的学习班" in html
    assert state(app, record["id"])[0] == "submitted"

    # The batch from the queue as it was shown: refused as a whole, the queue shown afresh.
    shown = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', queue))
    batch = reviewer.post("/review/decide", data={"csrf_token": token, "record_id": [record["id"], other["id"]],
                                                  **{f"version-{i}": v for i, v in shown.items()},
                                                  "decision": "approve", "next": "/review/?person="})
    assert batch.status_code == 409 and "换了内容的学习班" in batch.get_data(as_text=True)
    assert state(app, record["id"])[0] == "submitted" and state(app, other["id"])[0] == "submitted"


def test_revoked_self_entry_stops_every_write_of_a_session_already_signed_in(app, world):
    learner, unit = world["learner"], world["unit"]
    draft = create(app, learner, unit, activity_name="草稿")
    assert learner.upload(draft["id"], png(), "证书.png").status_code == 201
    kept = create(app, learner, unit, activity_name="留着的草稿")
    web = app.test_client()
    login(web, learner.made.username, learner.made.password)
    token = csrf_from(web.get(f"/credits/{kept['id']}/edit").get_data(as_text=True))
    with app.app_context():
        file_id = db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.record_id == draft["id"]))
        admin = db.session.get(Person, world["admin"].made.id)
        assert people.set_self_entry(actor_for(admin.user), [learner.made.id], False).changed == 1
    before = {i: state(app, i) for i in (draft["id"], kept["id"])}

    refused = [
        post_free_form(web, token, unit, activity_name="新的"),
        web.post(f"/credits/{kept['id']}/edit", content_type="multipart/form-data",
                 data={"csrf_token": token, "version": str(kept["version"]), "activity_name": "改了"}),
        web.post("/credits/submit", data={"csrf_token": token, "record_id": [str(draft["id"])]}),
        web.post(f"/credits/{kept['id']}/delete", data={"csrf_token": token, "version": str(kept["version"])}),
        web.post(f"/credits/{draft['id']}/evidence/{file_id}/remove", data={"csrf_token": token}),
        learner.post("/api/v1/credits/", json={"category_id": 1, "fields": {}}),
        learner.patch(f"/api/v1/credits/{kept['id']}", json={"version": kept["version"], "fields": {"activity_name": "改了"}}),
        learner.upload(kept["id"], png(), "又一张.png"),
        learner.post(f"/api/v1/credits/{draft['id']}/submit"),
        learner.post("/api/v1/credits/submit", json={"ids": [draft["id"]]}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all("需单位开通权限" in r.get_data(as_text=True) for r in refused[:5])
    assert {i: state(app, i) for i in before} == before
    with app.app_context():
        assert db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.id == file_id)) == file_id
        assert len(db.session.scalars(select(CreditRecord.id)).all()) == 2
