"""Notices: review results in the learner's box (page and API), reminders to the staff behind in a
year (counted before sending, only within the sender's unit), delivery by SMS within a daily
limit, and logs that name nobody."""
from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from portal.accounts.actor import actor_for
from portal.cli import portal_cli
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditCategory, EvidenceFile, Notice, Person
from portal.review import services as review
from portal.setup import prepare_database
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, login, make_test_app

DAY = dt.date(2025, 3, 1)


@pytest.fixture
def hospital(app, users):
    unit = users.unit("330101", name="杭州市第一医院")
    other = users.unit("330201", name="宁波市第二医院")
    users.province_admin()
    return {
        "unit": unit, "other": other,
        "admin": users.person(unit, role="unit_admin", name="管理员"),
        "behind": [users.person(unit, self_entry=True, name=n, mobile=m) for n, m in (("钱一", "13800000001"),
                                                                                      ("孙二", ""))],
        "left": users.person(unit, name="已离职", status="离职"),
        "elsewhere": users.person(other, name="外院人员"),
    }


def _boxes(app, kinds=("review", "reminder", "deadline")) -> dict[str, list[tuple[str, str, str]]]:
    with app.app_context():
        rows = db.session.execute(select(Person.name, Notice.kind, Notice.title, Notice.body)
                                  .join(Person, Person.id == Notice.person_id).where(Notice.kind.in_(kinds))
                                  .order_by(Notice.id)).all()
    found: dict[str, list] = {}
    for name, kind, title, body in rows:
        found.setdefault(name, []).append((kind, title, body))
    return found


def _submitted(app, person_id: int, name: str) -> int:
    with app.test_request_context():
        person = db.session.get(Person, person_id)
        me = actor_for(person.user)
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "非向导录入"))
        record = credits.create(me, free, {"activity_name": name, "activity_date": DAY, "credit_level": "city"},
                                {"credits": "2", "hours": "6"})
        db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                    person_id=person_id, stored_name=secrets.token_hex(16),
                                    original_name="证书.jpg", media_type="image/jpeg", size=1, sha256="0" * 64))
        db.session.commit()
        credits.submit(me, [record])
        return record.id


def test_a_review_decision_reaches_the_learner_with_its_reason(app, client, hospital):
    learner = hospital["behind"][0]
    rejected, approved = _submitted(app, learner.id, "病例讨论"), _submitted(app, learner.id, "学术讲座")
    with app.test_request_context():
        from portal.models import CreditRecord
        admin = actor_for(db.session.get(Person, hospital["admin"].id).user)
        review.decide(admin, [db.session.get(CreditRecord, rejected)], "reject", "证书照片不清晰")
        review.decide(admin, [db.session.get(CreditRecord, approved)], "approve")
    box = _boxes(app)["钱一"]
    assert ("review", "学分被退回：病例讨论", "退回原因：证书照片不清晰。请修改后重新上报。") in box
    assert ("review", "学分已审核通过：学术讲座", "已计入 2.00 学分。") in box
    login(client, learner.username, PASSWORD)
    api = client.get("/api/v1/notices/").json
    assert api["unread"] == 2 and {n["title"] for n in api["result"]} == {"学分被退回：病例讨论", "学分已审核通过：学术讲座"}
    page = client.get("/notices/").get_data(as_text=True)
    assert "证书照片不清晰" in page and page.count('class="label label-danger"') == 2
    assert client.get("/api/v1/notices/").json["unread"] == 0
    assert 'class="label label-danger"' not in client.get("/notices/").get_data(as_text=True)


def test_reminders_go_only_to_the_unit_s_active_staff_behind(app, client, hospital):
    approved_record(app, hospital["admin"].id, "非向导录入", DAY, {"credits": "15", "hours": "50"}, "national")
    approved_record(app, hospital["admin"].id, "非向导录入", DAY, {"credits": "15", "hours": "50"}, "national")
    login(client, hospital["admin"].username, PASSWORD)
    page = client.get("/notices/remind/?year=2025").get_data(as_text=True)
    assert "2025年度有 2 名在职人员尚未达标" in page
    reminders = ("reminder", "deadline")
    assert _boxes(app, reminders) == {}   # counting sends nothing
    sent = client.post("/notices/remind/", data={"csrf_token": csrf_from(page), "year": "2025", "deadline": "2025-12-31"},
                       follow_redirects=True)
    assert "已向 2 人发送提醒" in sent.get_data(as_text=True)
    boxes = _boxes(app, reminders)
    assert set(boxes) == {"钱一", "孙二"}
    kind, title, body = boxes["钱一"][0]
    assert kind == "deadline" and title == "您的2025年度学分尚未达标"
    assert body == ("2025年度尚未达标：总学分还差 25.00 分；学时还差 90.0 学时（未载明学时的记录不计学时）。"
                    "请于 2025-12-31 前录入并上报学分。")
    # Another unit's staff are out of reach: its id answers 404 and sends nothing.
    refused = client.post("/notices/remind/", data={"csrf_token": csrf_from(page), "year": "2025",
                                                    "unit_id": hospital["other"]})
    assert refused.status_code == 404 and "外院人员" not in _boxes(app, reminders)


def test_learners_cannot_send_reminders(app, client, hospital):
    login(client, hospital["behind"][0].username, PASSWORD)
    assert client.get("/notices/remind/?year=2025").status_code in (302, 403)
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    assert client.post("/notices/remind/", data={"csrf_token": token, "year": "2025"}).status_code in (302, 403)
    assert _boxes(app) == {}


def test_the_province_reminds_everyone_behind_from_the_command_line(app, hospital):
    runner = CliRunner()
    with app.app_context():
        counted = runner.invoke(portal_cli, ["send-reminders", "--year", "2025", "--dry-run"])
        assert counted.exit_code == 0 and "4 people are behind in 2025; nothing sent." in counted.output
        sent = runner.invoke(portal_cli, ["send-reminders", "--year", "2025"])
        assert "4 reminders sent." in sent.output
    assert set(_boxes(app)) == {"管理员", "钱一", "孙二", "外院人员"}


def test_sms_delivery_keeps_to_the_daily_limit_and_the_log_names_nobody(tmp_path, users, caplog):
    """register_notifiers: the built-in sms notifier, chosen by PORTAL_NOTIFIERS, sends each notice
    to the mobile number on file, at most NOTICE_DAILY_LIMIT a day, and skips people without one."""
    sms_app = make_test_app(f"sqlite:///{tmp_path / 'sms.db'}", tmp_path / "instance", NOTIFIERS=["sms"],
                            NOTICE_DAILY_LIMIT=2)
    prepare_database(sms_app)
    users.app = sms_app
    unit = users.unit("330101")
    users.person(unit, name="钱一", mobile="13800000001")
    users.person(unit, name="孙二", mobile="")
    from portal.notices import services as notices
    caplog.set_level(logging.INFO)
    with sms_app.app_context():
        for _ in range(3):
            notices.remind(2025, [unit], None)
        delivered = db.session.scalar(select(func.count()).select_from(Notice).where(Notice.delivered.contains(",sms,")))
        in_boxes = db.session.scalar(select(func.count()).select_from(Notice))
    outbox = [json.loads(line) for line in (Path(sms_app.instance_path) / "sms_outbox.log").read_text().splitlines()]
    assert in_boxes == 6 and delivered == 2
    assert [m["phone"] for m in outbox] == ["13800000001", "13800000001"]
    assert outbox[0]["text"].startswith("【您的2025年度学分尚未达标】")
    notice_lines = [r.getMessage() for r in caplog.records if r.name == "portal.notices"]
    assert notice_lines and not any("钱一" in line or "13800000001" in line for line in notice_lines)


def test_an_unknown_notifier_stops_start_up(tmp_path):
    """register_notifiers: a slug in PORTAL_NOTIFIERS that no plugin registers stops start-up, naming
    the registered ones."""
    with pytest.raises(RuntimeError, match=r"PORTAL_NOTIFIERS names pigeon, which no plugin registers \(registered: sms\)"):
        make_test_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", NOTIFIERS=["pigeon"])
