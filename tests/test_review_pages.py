"""学分审核 through the web: the unit admin's queue of the unit's own submitted records,
filters, the detail with evidence, and batch decisions (a rejection needs a comment)."""
import re

from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.credits import attachments
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, Person
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login
from tests.test_credit_pages import png_bytes

COMMON = {"activity_name": "", "activity_date": __import__("datetime").date(2025, 5, 1), "credit_level": "county"}


def submitted(app, made, name):
    """A submitted free-form record of ``made`` with one evidence image."""
    with app.test_request_context():
        person = db.session.get(Person, made.id)
        actor = actor_for(person.user)
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.type_slug == "free_form"))
        record = credits.create(actor, category, {**COMMON, "activity_name": name}, {"credits": "1", "hours": "2"})
        file = attachments.add(actor, category_rules(category), "证书.png", png_bytes(), record, 0)
        db.session.commit()
        credits.submit(actor, [record])
        return record.id, file.id


def seen(app, *record_ids):
    """The version fields the review pages send with each ticked record (as shown)."""
    with app.app_context():
        return {f"version-{i}": db.session.get(CreditRecord, i).version for i in record_ids}


def category_rules(category):
    from portal.categories.services import credit_type

    return credit_type(category).evidence


def test_queue_holds_the_units_submitted_records_and_filters(app, client, users):
    unit, other = users.unit("330101"), users.unit("330102")
    admin = users.person(unit, role="unit_admin")
    zhang, li = users.person(unit, self_entry=True, name="张医生"), users.person(unit, self_entry=True, name="李护士")
    stranger = users.person(other, self_entry=True, name="外院人员")
    zhangs, _file = submitted(app, zhang, "张的学习班")
    submitted(app, li, "李的学习班")
    submitted(app, stranger, "外院的学习班")
    login(client, admin.username, PASSWORD)
    assert "2 条待审核" in client.get("/").get_data(as_text=True)
    queue = client.get("/review/").get_data(as_text=True)
    assert "张的学习班" in queue and "李的学习班" in queue and "外院的学习班" not in queue
    assert "2 条待审核" in queue
    row = re.search(rf'<tr data-record="{zhangs}">.*?</tr>', queue, re.S).group(0)
    for cell in ('data-label="人员">张医生<', 'data-label="活动日期">2025-05-01<', 'data-label="证明材料">1<'):
        assert cell in row
    filtered = client.get("/review/?person=张").get_data(as_text=True)
    assert "张的学习班" in filtered and "李的学习班" not in filtered
    assert "2 条待审核" in filtered  # the heading counts the whole queue, whatever the list shows


def test_batch_decisions_and_the_comment_rule(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    learner = users.person(unit, self_entry=True)
    first, _ = submitted(app, learner, "第一条")
    second, _ = submitted(app, learner, "第二条")
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    refused = client.post("/review/decide", data={"csrf_token": token, "record_id": [first], **seen(app, first),
                                                  "decision": "reject", "comment": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "请填写审核不通过的原因" in refused
    client.post("/review/decide", data={"csrf_token": token, "record_id": [first], **seen(app, first), "decision": "reject",
                                        "comment": "日期与证书不符"})
    approved = client.post("/review/decide", data={"csrf_token": token, "record_id": [second], **seen(app, second),
                                                   "decision": "approve"},
                           follow_redirects=True).get_data(as_text=True)
    assert "1 条记录审核通过" in approved
    with app.app_context():
        statuses = dict(db.session.execute(select(CreditRecord.id, CreditRecord.status)).all())
    assert statuses == {first: "rejected", second: "approved"}
    learner_client = app.test_client()
    login(learner_client, learner.username, PASSWORD)
    assert "日期与证书不符" in learner_client.get("/credits/mine?year=all").get_data(as_text=True)


def test_detail_shows_the_evidence_and_other_units_get_404(app, client, users):
    unit, other = users.unit("330101"), users.unit("330102")
    admin, foreign = users.person(unit, role="unit_admin"), users.person(other, role="unit_admin")
    learner = users.person(unit, self_entry=True)
    record_id, file_id = submitted(app, learner, "带证明的记录")
    login(client, admin.username, PASSWORD)
    page = client.get(f"/review/{record_id}").get_data(as_text=True)
    assert f"/credits/evidence/{file_id}" in page and "审核通过" in page
    assert client.get(f"/credits/evidence/{file_id}").mimetype == "image/png"
    foreign_client = app.test_client()
    login(foreign_client, foreign.username, PASSWORD)
    assert foreign_client.get(f"/review/{record_id}").status_code == 404
    assert foreign_client.get(f"/credits/evidence/{file_id}").status_code == 404
    token = csrf_from(foreign_client.get("/review/").get_data(as_text=True))
    assert foreign_client.post("/review/decide", data={"csrf_token": token, "record_id": [record_id],
                                                       **seen(app, record_id), "decision": "approve"}).status_code == 404


def test_learners_cannot_open_the_review_pages(app, client, users):
    learner = users.person(users.unit("330101"), self_entry=True)
    login(client, learner.username, PASSWORD)
    assert client.get("/review/").status_code in (302, 403)
