"""The REST API of credit records (issue 3): entering a record with dictionary names or codes,
the wizard's rules, validation in Chinese, evidence refused by content and size with nothing
stored, optimistic locking (409), one submission however often it is sent, review by the
record's unit only, privacy (404), and races between two requests that leave one winner on
SQLite and PostgreSQL alike."""
from __future__ import annotations

import io
import threading
from functools import partial
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, CreditCategory, CreditRecord, EvidenceFile
from tests.helpers import PASSWORD, api_token, login

MB = 1024 * 1024


# --- set-up ----------------------------------------------------------------------------------------

class Caller:
    """A test client signed in with a bearer token."""

    def __init__(self, app, made):
        self.app, self.made = app, made
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {api_token(self.client, made.username, made.password)}"}

    def fresh(self) -> Caller:
        """Another client with the same token (one per thread)."""
        other = object.__new__(Caller)
        other.app, other.made, other.client, other.headers = self.app, self.made, self.app.test_client(), self.headers
        return other

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self.headers, **kw)

    def patch(self, url, **kw):
        return self.client.patch(url, headers=self.headers, **kw)

    def put(self, url, **kw):
        return self.client.put(url, headers=self.headers, **kw)

    def upload(self, record_id, data: bytes, name: str):
        return self.post(f"/api/v1/credits/{record_id}/evidence", data={"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")


class World:
    """Two units and the people of the tests, each made (and signed in) when first used:
    creating accounts is slow on purpose (scrypt)."""

    PEOPLE = {
        "learner": dict(self_entry=True, name="甲"),
        "stranger": dict(self_entry=True, name="乙"),
        "no_permission": dict(name="丙"),
        "admin": dict(role="unit_admin", name="王审核"),
        "admin2": dict(role="unit_admin", name="李审核"),
        "foreign_admin": dict(role="unit_admin", name="赵外院", foreign=True),
    }

    def __init__(self, app, users):
        self.app, self.users = app, users
        self.unit, self.other_unit = users.unit("330101", "杭州市第一人民医院"), users.unit("330102", "宁波市第二医院")
        self.made, self._callers = {}, {}

    def __getitem__(self, name):
        if name == "unit":
            return self.unit
        if name not in self._callers:
            if name == "province":
                self.made[name] = self.users.province_admin()
            else:
                options = dict(self.PEOPLE[name])
                unit = self.other_unit if options.pop("foreign", False) else self.unit
                self.made[name] = self.users.person(unit, **options)
            self._callers[name] = Caller(self.app, self.made[name])
        return self._callers[name]


@pytest.fixture
def world(app, users):
    return World(app, users)


def category_id(app, name):
    with app.app_context():
        return db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == name))


def free_form(unit, **fields):
    return {"activity_name": "心血管新进展学习班", "activity_number": "2025-01-001", "activity_date": "2025-03-18",
            "credit_level": "国家级继续医学教育项目", "hosting_method": "学习班", "discipline": "临床内科学",
            "sub_discipline": "心血管病学", "issuing_unit_id": unit, "remarks": "", "credits": "3.5", "hours": 10,
            **fields}


def create(app, caller, unit, **fields):
    """A free-form draft; the tests' records repeat one activity on purpose, so it is confirmed not a duplicate."""
    response = caller.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"),
                                                      "fields": free_form(unit, **fields), "confirm_duplicate": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["result"]


def png(colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(out, "JPEG")
    return out.getvalue()


def submitted(app, caller, unit, **fields):
    record = create(app, caller, unit, **fields)
    assert caller.upload(record["id"], png(), "证书.png").status_code == 201
    response = caller.post(f"/api/v1/credits/{record['id']}/submit")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["result"][0]


def stored(app):
    """Evidence rows in the database and files in the instance's evidence folder."""
    with app.app_context():
        rows = db.session.scalar(select(func.count(EvidenceFile.id)))
    folder = Path(app.instance_path) / "evidence"
    return rows, sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def actions(app, record_id):
    with app.app_context():
        return db.session.scalars(select(AuditEntry.action).where(AuditEntry.record_id == record_id)
                                  .order_by(AuditEntry.id)).all()


# --- entering ---------------------------------------------------------------------------------------

def test_free_form_with_chinese_dictionary_names_takes_its_class_from_the_level(app, world):
    learner, unit = world["learner"], world["unit"]
    national = create(app, learner, unit)
    assert (national["status"], national["version"], national["credits"], national["hours"], national["class"]) == \
        ("draft", 1, "3.50", "10.0", "I")
    assert {k: national["fields"][k] for k in ("credit_level", "hosting_method", "discipline", "sub_discipline",
                                               "activity_date", "issuing_unit_id", "credits", "hours")} == {
        "credit_level": "national", "hosting_method": "h02", "discipline": "02", "sub_discipline": "0201",
        "activity_date": "2025-03-18", "issuing_unit_id": unit, "credits": "3.5", "hours": "10"}
    assert national["category"]["name"] == "非向导录入" and national["deems_compliant"] is False
    # codes work as well as names; a sub-discipline named like a discipline is found under the chosen one
    county = create(app, learner, unit, credit_level="county", hosting_method="h05", discipline="全科医学",
                    sub_discipline="全科医学", credits=1, hours="2")
    assert (county["class"], county["credits"], county["hours"]) == ("II", "1.00", "2.0")
    assert (county["fields"]["discipline"], county["fields"]["sub_discipline"]) == ("15", "1501")


def test_wizard_choice_of_the_second_member_of_a_provincial_project_gives_seven_credits(app, world):
    learner, unit = world["learner"], world["unit"]
    fields = {k: v for k, v in free_form(unit, activity_name="省级课题").items()
              if k not in ("credit_level", "credits", "hours")}
    response = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "科研立项"),
                                                       "wizard_choice": "省级:2", "fields": fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.json["result"]
    assert (record["credits"], record["class"], record["wizard_choice"]) == ("7.00", "II", "省级:2")
    assert (record["fields"]["level"], record["fields"]["rank"]) == ("省级", 2)
    # the wizard needs its rule, and the hosting method
    refused = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "科研立项"),
                                                      "fields": {**fields, "hosting_method": ""}})
    assert refused.status_code == 400
    assert refused.json["message"]["wizard_choice"] == ["请选择本类别的一项具体规定。"]
    assert "hosting_method" in refused.json["message"]
    unknown = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "科研立项"),
                                                      "wizard_choice": "乡级:1", "fields": fields})
    assert unknown.status_code == 400 and "wizard_choice" in unknown.json["message"]


def test_validation_errors_name_every_field_in_chinese(app, world):
    learner, unit = world["learner"], world["unit"]
    response = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"), "fields": free_form(
        unit, activity_date="", credit_level="省级", sub_discipline="骨科学", credits="-1", activity_name="")})
    assert response.status_code == 400
    message = response.json["message"]
    assert message["activity_date"] == ["请填写学分证书上的日期，例如 2025-03-18。"] or "日期" in message["activity_date"][0]
    assert "学科" in message["sub_discipline"][0]
    assert "活动" in message["activity_name"][0]
    assert "学分" in message["credits"][0]
    assert set(message) == {"activity_date", "credit_level", "sub_discipline", "credits", "activity_name"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for ms in message.values() for m in ms), message
    over = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"),
                                                   "fields": free_form(unit, credits="30")})
    assert over.status_code == 400 and "25" in over.json["message"]["credits"][0]
    future = learner.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"),
                                                     "fields": free_form(unit, activity_date="2999-01-01")})
    assert future.status_code == 400 and "activity_date" in future.json["message"]
    no_category = learner.post("/api/v1/credits/", json={"category_id": 99999, "fields": free_form(unit)})
    assert no_category.status_code == 400 and no_category.json["message"]["category_id"] == ["请选择学分类别"]
    assert learner.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"),
                                                  "fields": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(CreditRecord.id))) == 0


def test_without_the_self_entry_permission_entry_is_refused(app, world):
    record = create(app, world["learner"], world["unit"])
    caller = world["no_permission"]
    for response in (
        caller.post("/api/v1/credits/", json={"category_id": category_id(app, "非向导录入"), "fields": free_form(world["unit"])}),
        caller.patch(f"/api/v1/credits/{record['id']}", json={"version": 1, "fields": {"activity_name": "x"}}),
        caller.upload(record["id"], png(), "a.png"),
        caller.post(f"/api/v1/credits/{record['id']}/submit"),
        caller.post("/api/v1/credits/submit", json={"ids": [record["id"]]}),
    ):
        assert response.status_code == 403, response.request.path
        assert response.json == {"code": "self_entry_required", "message": "学分管理需单位开通权限"}
    # reading is not entering: a learner without the permission still reads their records (none here)
    assert caller.get(f"/api/v1/credits/{record['id']}").status_code == 404


# --- privacy ------------------------------------------------------------------------------------------

def test_another_learners_record_and_evidence_are_not_found(app, world):
    learner, stranger, unit = world["learner"], world["stranger"], world["unit"]
    record = create(app, learner, unit)
    upload = learner.upload(record["id"], png(), "证书.png")
    assert upload.status_code == 201
    file_id = upload.json["id"]
    assert learner.get(f"/api/v1/credits/{record['id']}").status_code == 200
    before = stored(app)
    for response in (
        stranger.get(f"/api/v1/credits/{record['id']}"),
        stranger.patch(f"/api/v1/credits/{record['id']}", json={"version": 1, "fields": {"activity_name": "改"}}),
        stranger.upload(record["id"], png("green"), "我的.png"),
        stranger.post(f"/api/v1/credits/{record['id']}/submit"),
        stranger.post("/api/v1/credits/submit", json={"ids": [record["id"]]}),
    ):
        assert response.status_code == 404, response.request.path
        assert response.json["code"] == "not_found"
    assert stored(app) == before
    web = app.test_client()
    login(web, world.made["stranger"].username, PASSWORD)
    assert web.get(f"/credits/evidence/{file_id}").status_code == 404
    owner_web = app.test_client()
    login(owner_web, world.made["learner"].username, PASSWORD)
    assert owner_web.get(f"/credits/evidence/{file_id}").status_code == 200
    with app.app_context():
        assert db.session.get(CreditRecord, record["id"]).activity_name == "心血管新进展学习班"


def test_unit_admins_see_their_units_records_only_and_the_province_sees_all(app, world):
    record = submitted(app, world["learner"], world["unit"])
    assert world["admin"].get(f"/api/v1/credits/{record['id']}").status_code == 200
    assert world["province"].get(f"/api/v1/credits/{record['id']}").status_code == 200
    foreign = world["foreign_admin"]
    assert foreign.get(f"/api/v1/credits/{record['id']}").status_code == 404
    decision = {"decision": "approve", "version": record["version"]}
    assert foreign.post(f"/api/v1/credits/{record['id']}/review", json=decision).status_code == 404
    assert foreign.post("/api/v1/reviews/", json={"ids": [record["id"]], "versions": {str(record["id"]): record["version"]},
                                                  "decision": "approve"}).status_code == 404
    # learners have no review API; the province may review any record
    assert world["stranger"].post(f"/api/v1/credits/{record['id']}/review", json=decision).status_code == 403
    with app.app_context():
        assert db.session.get(CreditRecord, record["id"]).status == "submitted"
    assert world["province"].post(f"/api/v1/credits/{record['id']}/review", json=decision).status_code == 200


# --- evidence -----------------------------------------------------------------------------------------

def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_disguised_risky_oversized_and_surplus_files_are_refused_and_nothing_is_stored(app, world):
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    svg = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<rect width="10" height="10" fill="red"/></svg>')
    small = jpeg()
    refusals = [
        (b"<?php system($_GET['c']); ?>\n", "photo.jpg", "不是 JPG、PNG 或 PDF"),
        (svg, "image.png", "不是 JPG、PNG 或 PDF"),
        (pdf_with_javascript(), "certificate.pdf", "脚本"),
        (small + bytes(11 * MB - len(small)), "huge.jpg", "10 MB"),       # refused unread, by its length
        (small + bytes(10 * MB + MB // 2), "big.jpg", "10 MB"),            # read, then refused by the check
    ]
    for data, name, expected in refusals:
        before = stored(app)
        response = learner.upload(record["id"], data, name)
        assert response.status_code == 400, name
        message = response.json["message"]["file"][0]
        assert expected in message, (name, message)
        assert stored(app) == before, name
    for n in range(5):
        assert learner.upload(record["id"], png((n * 40, 0, 0)), f"证书{n}.png").status_code == 201
    before = stored(app)
    sixth = learner.upload(record["id"], png("white"), "第六个.png")
    assert sixth.status_code == 400 and "最多 5 个" in sixth.json["message"]["file"][0]
    assert stored(app) == before
    detail = learner.get(f"/api/v1/credits/{record['id']}").json["result"]
    assert [f["name"] for f in detail["evidence"]] == [f"证书{n}.png" for n in range(5)]
    assert {f["media_type"] for f in detail["evidence"]} == {"image/png"}
    missing = learner.post(f"/api/v1/credits/{record['id']}/evidence", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in missing.json["message"]


def test_evidence_of_a_submitted_record_cannot_change(app, world):
    record = submitted(app, world["learner"], world["unit"])
    before = stored(app)
    response = world["learner"].upload(record["id"], png(), "补充.png")
    assert response.status_code == 409 and response.json["code"] == "conflict"
    assert stored(app) == before


# --- editing, submitting, reviewing -------------------------------------------------------------------

def test_patch_merges_the_fields_and_a_stale_version_is_a_conflict(app, world):
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    url = f"/api/v1/credits/{record['id']}"
    changed = learner.patch(url, json={"version": 1,
                                       "fields": {"activity_name": "改名后的学习班", "credit_level": "县级继续医学教育项目"}})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    result = changed.json["result"]
    assert (result["version"], result["fields"]["activity_name"], result["class"], result["credits"]) == \
        (2, "改名后的学习班", "II", "3.50")
    assert result["fields"]["sub_discipline"] == "0201" and result["fields"]["activity_date"] == "2025-03-18"
    stale = learner.patch(url, json={"version": 1, "fields": {"activity_name": "旧版本"}})
    assert stale.status_code == 409 and stale.json["code"] == "conflict" and "已被他人修改" in stale.json["message"]
    invalid = learner.patch(url, json={"version": 2, "fields": {"credits": "abc"}})
    assert invalid.status_code == 400 and "credits" in invalid.json["message"]
    assert learner.patch(url, json={"fields": {"activity_name": "无版本"}}).status_code == 400
    with app.app_context():
        assert db.session.get(CreditRecord, record["id"]).activity_name == "改名后的学习班"
    assert actions(app, record["id"]) == ["create", "edit"]


def test_submitted_and_approved_records_cannot_be_patched(app, world):
    learner, admin = world["learner"], world["admin"]
    record = submitted(app, learner, world["unit"])
    url = f"/api/v1/credits/{record['id']}"
    locked = learner.patch(url, json={"version": record["version"], "fields": {"activity_name": "x"}})
    assert locked.status_code == 409 and "未审核" in locked.json["message"]
    approved = admin.post(f"{url}/review", json={"decision": "approve", "version": record["version"]})
    assert approved.status_code == 200 and approved.json["result"][0]["status"] == "approved"
    final = learner.patch(url, json={"version": approved.json["result"][0]["version"], "fields": {"activity_name": "x"}})
    assert final.status_code == 409 and "审核通过" in final.json["message"]


def test_submitting_twice_is_one_submission(app, world):
    learner = world["learner"]
    first = create(app, learner, world["unit"], activity_name="甲课程")
    second = create(app, learner, world["unit"], activity_name="乙课程")
    without_evidence = learner.post(f"/api/v1/credits/{first['id']}/submit")
    assert without_evidence.status_code == 400 and "证明材料" in without_evidence.json["message"]["evidence"][0]
    for record in (first, second):
        learner.upload(record["id"], png(), "证书.png")
    for _ in range(2):
        response = learner.post(f"/api/v1/credits/{first['id']}/submit")
        assert response.status_code == 200 and response.json["result"][0]["status"] == "submitted"
    both = learner.post("/api/v1/credits/submit", json={"ids": [first["id"], second["id"]]})
    assert both.status_code == 200 and [r["status"] for r in both.json["result"]] == ["submitted", "submitted"]
    assert learner.post("/api/v1/credits/submit", json={"ids": [second["id"]]}).status_code == 200
    assert actions(app, first["id"]).count("submit") == 1 and actions(app, second["id"]).count("submit") == 1
    assert learner.post("/api/v1/credits/submit", json={"ids": []}).status_code == 400


def test_review_with_comment_and_the_audit_trail(app, world):
    learner, admin = world["learner"], world["admin"]
    draft = create(app, learner, world["unit"], activity_name="草稿")
    not_submitted = admin.post(f"/api/v1/credits/{draft['id']}/review", json={"decision": "approve", "version": draft["version"]})
    assert not_submitted.status_code == 409 and not_submitted.json["code"] == "conflict"
    record = submitted(app, learner, world["unit"])
    url = f"/api/v1/credits/{record['id']}"
    seen = record["version"]
    no_comment = admin.post(f"{url}/review", json={"decision": "reject", "comment": "  ", "version": seen})
    assert no_comment.status_code == 400 and no_comment.json["message"]["comment"] == ["请填写审核不通过的原因，以便学员修改。"]
    assert admin.post(f"{url}/review", json={"decision": "maybe", "version": seen}).status_code == 400
    rejected = admin.post(f"{url}/review", json={"decision": "reject", "comment": "证明材料不清晰", "version": seen})
    assert rejected.status_code == 200 and rejected.json["result"][0]["status"] == "rejected"
    detail = learner.get(url).json["result"]
    assert (detail["status"], detail["review_comment"]) == ("rejected", "证明材料不清晰")
    # corrected and submitted again, then approved in a batch
    version = detail["version"]
    assert learner.patch(url, json={"version": version, "fields": {"credits": "3"}}).status_code == 200
    resubmitted = learner.post(f"{url}/submit")
    assert resubmitted.status_code == 200
    batch = admin.post("/api/v1/reviews/", json={"ids": [record["id"]], "decision": "approve",
                                                 "versions": {str(record["id"]): resubmitted.json["result"][0]["version"]}})
    assert batch.status_code == 200 and batch.json["result"][0]["status"] == "approved"
    detail = learner.get(url).json["result"]
    assert [a["action"] for a in detail["audit"]] == ["create", "evidence_add", "submit", "reject", "edit", "submit", "approve"]
    reject = detail["audit"][3]
    assert reject["who"]["name"] == "王审核" and reject["role"] == "unit_admin"
    assert (reject["before"]["status"], reject["after"]["status"]) == ("submitted", "rejected") and reject["at"]
    assert detail["audit"][0]["who"]["name"] == "甲" and detail["audit"][0]["role"] == "learner"
    assert [e["name"] for e in detail["evidence"]] == ["证书.png"] and detail["credits"] == "3.00"


def test_the_api_is_described_in_openapi(app, world):
    spec = world["province"].get("/api/v1/_openapi").json
    for path, method in (("/api/v1/credits/", "post"), ("/api/v1/credits/{record_id}", "patch"),
                         ("/api/v1/credits/{record_id}", "get"), ("/api/v1/credits/{record_id}/evidence", "post"),
                         ("/api/v1/credits/{record_id}/submit", "post"), ("/api/v1/credits/submit", "post"),
                         ("/api/v1/credits/{record_id}/review", "post"), ("/api/v1/reviews/", "post")):
        assert method in spec["paths"][path], (path, method)
    assert "409" in spec["paths"]["/api/v1/credits/{record_id}"]["patch"]["responses"]


# --- races: two requests at once leave exactly one winner ----------------------------------------------

def race(*calls):
    """Run the calls in their own threads, released together; returns their responses."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as e:  # noqa: BLE001  (reported by the assertion below)
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(isinstance(r, BaseException) or r is None for r in results), results
    return results


ROUNDS = 3


def test_two_unit_admins_deciding_at_once_leave_one_decision(app, world):
    for n in range(ROUNDS):
        record = submitted(app, world["learner"], world["unit"], activity_name=f"课程{n}")
        url = f"/api/v1/credits/{record['id']}/review"
        approve, reject = world["admin"].fresh(), world["admin2"].fresh()
        seen = record["version"]
        responses = race(partial(approve.post, url, json={"decision": "approve", "version": seen}),
                         partial(reject.post, url, json={"decision": "reject", "comment": "材料不全", "version": seen}))
        assert sorted(r.status_code for r in responses) == [200, 409], [r.get_data(as_text=True) for r in responses]
        assert next(r for r in responses if r.status_code == 409).json["code"] == "conflict"
        decisions = [a for a in actions(app, record["id"]) if a in ("approve", "reject")]
        assert len(decisions) == 1
        winner = next(r for r in responses if r.status_code == 200).json["result"][0]["status"]
        assert winner == {"approve": "approved", "reject": "rejected"}[decisions[0]]
        with app.app_context():
            assert db.session.get(CreditRecord, record["id"]).status == winner


def test_an_edit_and_a_submission_of_the_same_version_leave_one_winner(app, world):
    learner = world["learner"]
    for n in range(ROUNDS):
        record = create(app, learner, world["unit"], activity_name=f"课程{n}")
        learner.upload(record["id"], png(), "证书.png")
        url = f"/api/v1/credits/{record['id']}"
        editor, submitter = learner.fresh(), learner.fresh()
        # version 2: the evidence added moved it on
        responses = race(partial(editor.patch, url, json={"version": 2, "fields": {"activity_name": "并发修改"}}),
                         partial(submitter.post, f"{url}/submit", json={"version": 2}))
        assert sorted(r.status_code for r in responses) == [200, 409], [r.get_data(as_text=True) for r in responses]
        edited, submitted_ = responses[0].status_code == 200, responses[1].status_code == 200
        with app.app_context():
            stored_record = db.session.get(CreditRecord, record["id"])
            assert (stored_record.status, stored_record.activity_name, stored_record.version) == (
                ("draft", "并发修改", 3) if edited else ("submitted", f"课程{n}", 3))
        assert actions(app, record["id"]) == ["create", "evidence_add", "edit" if edited else "submit"]
        assert edited != submitted_


def test_a_submission_sent_twice_at_once_is_one_submission(app, world):
    learner = world["learner"]
    for n in range(ROUNDS):
        record = create(app, learner, world["unit"], activity_name=f"课程{n}")
        learner.upload(record["id"], png(), "证书.png")
        first, second = learner.fresh(), learner.fresh()
        url = f"/api/v1/credits/{record['id']}/submit"
        responses = race(partial(first.post, url), partial(second.post, url))
        assert [r.status_code for r in responses] == [200, 200], [r.get_data(as_text=True) for r in responses]
        assert actions(app, record["id"]).count("submit") == 1
