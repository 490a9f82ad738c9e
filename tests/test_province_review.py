"""Province-wide review, whole selections and proxy entry (代录), from the reviewers' and an
attacker's side: the province reviews what nobody in a unit may, filters by the unit tree and
age, sees a per-unit backlog; "select all matching" approves exactly the matching records that
did not change since the selection; an admin's proxy entry is reviewed by someone else."""
import datetime as dt
import io

import openpyxl
from sqlalchemy import func, select

from portal.accounts import audit as account_audit
from portal.accounts.actor import actor_for
from portal.credits import attachments
from portal.credits import services as credits
from portal.extensions import db
from portal.models import AuditEntry, CreditCategory, CreditRecord, Person
from portal.models.clock import now
from portal.review import services as review
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, login
from tests.test_credit_pages import common_fields, png_bytes
from tests.test_review_pages import category_rules, submitted

FREE = {"activity_name": "", "activity_date": dt.date(2025, 5, 1), "credit_level": "county", "issuer_name": "华医网"}


def waiting_records(app, made, count, prefix="学习班", days_ago=0):
    """``count`` submitted free-form records of ``made`` (no evidence needed for the queue), submitted ``days_ago``."""
    with app.test_request_context():
        person = db.session.get(Person, made.id)
        actor = actor_for(person.user)
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.type_slug == "free_form"))
        ids = []
        for n in range(count):
            record = credits.create(actor, category, {**FREE, "activity_name": f"{prefix}{n}"}, {"credits": "1", "hours": "2"})
            record.status, record.submitted_at = "submitted", now() - dt.timedelta(days=days_ago)
            ids.append(record.id)
        db.session.commit()
        return ids


def statuses(app, ids):
    with app.app_context():
        return dict(db.session.execute(select(CreditRecord.id, CreditRecord.status).where(CreditRecord.id.in_(ids))).all())


def test_the_province_approves_the_only_unit_admins_own_record(app, client, users):
    unit = users.unit("330101", "独院")
    admin = users.person(unit, role="unit_admin", self_entry=True, name="唯一管理员")
    users.province_admin()
    record_id, _ = submitted(app, admin, "管理员本人的学习班")
    login(client, admin.username, PASSWORD)
    assert "管理员本人的学习班" not in client.get("/review/").get_data(as_text=True)
    own = client.get(f"/credits/{record_id}").get_data(as_text=True)
    assert "审核人：省级管理员" in own
    client.get("/logout/")
    login(client, "padmin", PASSWORD)
    assert "1 条待省级审核" in client.get("/").get_data(as_text=True)
    queue = client.get("/review/?province_only=1").get_data(as_text=True)
    assert "管理员本人的学习班" in queue and "独院" in queue
    detail = client.get(f"/review/{record_id}").get_data(as_text=True)
    assert 'value="approve"' in detail
    with app.app_context():
        version = db.session.get(CreditRecord, record_id).version
    done = client.post("/review/decide", data={"csrf_token": csrf_from(detail), "record_id": record_id,
                                               f"version-{record_id}": version, "decision": "approve"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 条记录审核通过" in done
    assert statuses(app, [record_id]) == {record_id: "approved"}


def test_another_admin_of_the_unit_is_named_as_the_reviewer(app, client, users):
    unit = users.unit("330101")
    first = users.person(unit, role="unit_admin", self_entry=True, name="甲管理员")
    users.person(unit, role="unit_admin", name="乙管理员")
    record_id, _ = submitted(app, first, "甲的学习班")
    login(client, first.username, PASSWORD)
    assert "审核人：本单位管理员 乙管理员" in client.get(f"/credits/{record_id}").get_data(as_text=True)


def test_the_province_filters_by_the_unit_tree_and_by_age(app, client, users):
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市", "city", None, "33"),
                       ("330106", "西湖区", "county", None, "3301"), ("330106001", "西湖医院", "institution", "二级", "330106"),
                       ("3302", "宁波市", "city", None, "33"), ("330201001", "宁波医院", "institution", "三级", "3302")])
    users.province_admin()
    xihu = users.person(ids["330106001"], self_entry=True, name="西湖医生")
    ningbo = users.person(ids["330201001"], self_entry=True, name="宁波医生")
    waiting_records(app, xihu, 1, "西湖旧", days_ago=20)
    waiting_records(app, xihu, 1, "西湖新")
    waiting_records(app, ningbo, 1, "宁波的")
    login(client, "padmin", PASSWORD)
    hangzhou = client.get(f"/review/?unit_id={ids['3301']}").get_data(as_text=True)
    assert "西湖旧0" in hangzhou and "西湖新0" in hangzhou and "宁波的0" not in hangzhou
    old = client.get(f"/review/?unit_id={ids['3301']}&older_than=10").get_data(as_text=True)
    assert "西湖旧0" in old and "西湖新0" not in old
    backlog = client.get("/review/backlog?sort=oldest").get_data(as_text=True)
    assert backlog.index("西湖医院") < backlog.index("宁波医院")
    assert f"/review/?unit_id={ids['330106001']}" in backlog


def test_the_backlog_is_the_provinces_and_exports_to_excel(app, client, users):
    unit, other = users.unit("330101", "甲医院"), users.unit("330102", "乙医院")
    admin = users.person(unit, role="unit_admin")
    waiting_records(app, users.person(unit, name="甲员工"), 3)
    waiting_records(app, users.person(other, name="乙员工"), 1)
    login(client, admin.username, PASSWORD)
    assert client.get("/review/backlog").status_code == 404
    client.get("/logout/")
    users.province_admin()
    login(client, "padmin", PASSWORD)
    page = client.get("/review/backlog").get_data(as_text=True)
    response = client.post("/exports/review_backlog.xlsx", data={"csrf_token": csrf_from(page), "sort": "count"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    found = {row[1]: row[2] for row in values if row and row[1] in ("甲医院", "乙医院")}
    assert found == {"甲医院": 3, "乙医院": 1}


def test_approve_all_matching_approves_exactly_the_matching_unchanged_records(app, client, users, monkeypatch):
    """45 matching records over three pages (20 a page), approved in chunks of 20: a record that
    changed after the selection, another unit's and the admin's own stay as they are."""
    monkeypatch.setattr(review, "CHUNK", 20)
    unit, other = users.unit("330101"), users.unit("330102")
    admin = users.person(unit, role="unit_admin", self_entry=True)
    learner = users.person(unit, self_entry=True, name="张医生")
    someone = users.person(unit, self_entry=True, name="李护士")
    matching = waiting_records(app, learner, 45)
    not_matching = waiting_records(app, someone, 2)
    own = waiting_records(app, admin, 1)
    elsewhere = waiting_records(app, users.person(other, self_entry=True, name="张外院"), 1)
    login(client, admin.username, PASSWORD)
    page = client.get("/review/?person=张").get_data(as_text=True)
    assert "选择全部 45 条符合条件的记录" in page
    mark = page.split('name="mark" value="')[1].split('"')[0]
    # After the selection was shown, the learner withdraws one record and submits it again.
    changed = matching[30]
    with app.test_request_context():
        record = db.session.get(CreditRecord, changed)
        actor = actor_for(db.session.get(Person, learner.id).user)
        credits.withdraw(actor, record, record.version)
        record.status = "draft"
        db.session.commit()
        credits.audit.write(record, actor, "submit", None, None)
        record.status = "submitted"
        db.session.commit()
    done = client.post("/review/decide", data={"csrf_token": csrf_from(page), "all_matching": "1", "decision": "approve",
                                               "person": "张", "mark": mark, "next": "/review/?person=张"},
                       follow_redirects=True).get_data(as_text=True)
    assert "44 条记录审核通过" in done and "跳过 1 条" in done
    assert set(statuses(app, matching).values()) == {"approved", "submitted"}
    assert statuses(app, [changed]) == {changed: "submitted"}
    assert list(statuses(app, matching).values()).count("approved") == 44
    assert set(statuses(app, not_matching + own + elsewhere).values()) == {"submitted"}
    with app.app_context():
        batches = db.session.scalars(select(AuditEntry).where(AuditEntry.action == account_audit.REVIEW_BATCH)
                                     .order_by(AuditEntry.id)).all()
        approvals = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "approve"))
    assert [b.after["approved"] for b in batches] == [20, 19, 5] and sum(b.after["changed"] for b in batches) == 1
    assert approvals == 44


def test_a_whole_selection_whose_records_all_changed_approves_none(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    learner = users.person(unit, self_entry=True, name="张医生")
    matching = waiting_records(app, learner, 2)
    login(client, admin.username, PASSWORD)
    page = client.get("/review/").get_data(as_text=True)
    mark = page.split('name="mark" value="')[1].split('"')[0]
    with app.test_request_context():
        actor = actor_for(db.session.get(Person, learner.id).user)
        for record_id in matching:  # each record touched after the selection was shown
            credits.audit.write(db.session.get(CreditRecord, record_id), actor, "submit", None, None)
        db.session.commit()
    done = client.post("/review/decide", data={"csrf_token": csrf_from(page), "all_matching": "1", "decision": "approve",
                                               "mark": mark}, follow_redirects=True).get_data(as_text=True)
    assert "0 条记录审核通过" in done and "跳过 2 条" in done
    assert set(statuses(app, matching).values()) == {"submitted"}


def test_a_whole_selection_is_only_approved_and_needs_its_mark(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    ids = waiting_records(app, users.person(unit, self_entry=True), 25)
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    rejected = client.post("/review/decide", data={"csrf_token": token, "all_matching": "1", "decision": "reject",
                                                   "comment": "全部不通过", "mark": "999999"}, follow_redirects=True)
    assert "只能批量审核通过" in rejected.get_data(as_text=True)
    unmarked = client.post("/review/decide", data={"csrf_token": token, "all_matching": "1", "decision": "approve"},
                           follow_redirects=True)
    assert "请重新打开审核列表" in unmarked.get_data(as_text=True)
    assert set(statuses(app, ids).values()) == {"submitted"}


def test_the_queue_exports_every_matching_row(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    waiting_records(app, users.person(unit, self_entry=True, name="张医生"), 23)
    learner = users.person(unit, self_entry=True, name="李护士")
    waiting_records(app, learner, 2)
    login(client, learner.username, PASSWORD)
    mine = client.get("/credits/mine").get_data(as_text=True)
    assert client.post("/exports/review_queue.xlsx", data={"csrf_token": csrf_from(mine)}).status_code == 404
    client.get("/logout/")
    login(client, admin.username, PASSWORD)
    page = client.get("/review/?person=张").get_data(as_text=True)
    response = client.post("/exports/review_queue.xlsx", data={"csrf_token": csrf_from(page), "person": "张"})
    rows = [r for r in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    names = [r[2] for r in rows if r and r[2] in ("张医生", "李护士")]
    assert names == ["张医生"] * 23


def test_the_non_compliant_list_exports_only_those_behind(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin", name="管理员")
    users.province_admin()
    behind = [users.person(unit, name=f"未达标{n}") for n in range(2)]
    done = users.person(unit, name="已达标")
    for _ in range(2):
        approved_record(app, done.id, "非向导录入", dt.date(2025, 6, 1), {"credits": "15", "hours": "50"}, "national")
    login(client, admin.username, PASSWORD)
    page = client.get("/compliance/unit/?year=2025").get_data(as_text=True)
    assert "failing-export" in page
    response = client.post("/exports/unit_compliance.xlsx", data={"csrf_token": csrf_from(page), "year": "2025", "failing": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert "未达标人员" in sheet.title
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[1]}
    assert names >= {"未达标0", "未达标1", "管理员"} and "已达标" not in names and len(behind) == 2


# --- 代录 ------------------------------------------------------------------------------------------

def proxy_form(token, name="代录的学习班"):
    return {"csrf_token": token, "activity_name": name, "activity_date": "2025-05-01", "credit_level": "county",
            "discipline": "", "sub_discipline": "", "issuer_name": "华医网", "f-credits": "2", "f-hours": "4",
            "action": "save"}


def test_a_unit_admin_proxy_enters_and_another_admin_approves(app, client, users):
    unit = users.unit("330101")
    enterer = users.person(unit, role="unit_admin", name="录入管理员")
    second = users.person(unit, role="unit_admin", name="另一管理员")
    staff = users.person(unit, name="未开通员工")  # no self-entry: the point of 代录
    login(client, enterer.username, PASSWORD)
    assert "代录学分（非向导录入）" in client.get(f"/people/{staff.id}").get_data(as_text=True)
    page = client.get(f"/credits/new/free?person_id={staff.id}").get_data(as_text=True)
    assert "代录：为 未开通员工" in page
    form = {**proxy_form(csrf_from(page)), **first_discipline(app)}
    saved = client.post(f"/credits/new/free?person_id={staff.id}", data=form, follow_redirects=True)
    assert saved.status_code == 200, saved.get_data(as_text=True)[:500]
    with app.app_context():
        record = db.session.scalar(select(CreditRecord).where(CreditRecord.activity_name == "代录的学习班"))
        entered_by = db.session.get(Person, enterer.id).user_id
        assert (record.person_id, record.entered_by_id, record.status) == (staff.id, entered_by, "draft")
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.record_id == record.id)).all()
        record_id = record.id
    assert actions[0] == "proxy_create"
    assert "代录：录入管理员" in saved.get_data(as_text=True)
    # The enterer attaches the evidence and submits it; the queue and the decision are not theirs.
    with app.test_request_context():
        found = db.session.get(CreditRecord, record_id)
        admin_actor = actor_for(db.session.get(Person, enterer.id).user)
        attachments.add(admin_actor, category_rules(found.category), "证书.png", png_bytes(), found, 0)
        db.session.commit()
    detail = client.get(f"/credits/{record_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(CreditRecord, record_id).version
    client.post(f"/api/v1/credits/{record_id}/submit", json={"version": version},
                headers={"X-CSRFToken": csrf_from(detail)})
    assert statuses(app, [record_id]) == {record_id: "submitted"}
    assert "代录的学习班" not in client.get("/review/").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(CreditRecord, record_id).version
    refused = client.post("/review/decide", data={"csrf_token": csrf_from(detail), "record_id": record_id,
                                                  f"version-{record_id}": version, "decision": "approve"})
    assert refused.status_code == 409
    assert statuses(app, [record_id]) == {record_id: "submitted"}
    client.get("/logout/")
    login(client, second.username, PASSWORD)
    queue = client.get("/review/").get_data(as_text=True)
    assert "代录的学习班" in queue and "代录：录入管理员" in queue
    client.post("/review/decide", data={"csrf_token": csrf_from(queue), "record_id": record_id,
                                        f"version-{record_id}": version, "decision": "approve"})
    assert statuses(app, [record_id]) == {record_id: "approved"}


def first_discipline(app):
    from portal.dictionaries import services as dictionaries

    with app.app_context():
        tree = dictionaries.tree("disciplines")
        return {"discipline": tree[0]["code"], "sub_discipline": tree[0]["children"][0]["code"]}


def test_proxy_entry_is_scoped_to_whom_the_admin_manages(app, client, users):
    unit, other = users.unit("330101"), users.unit("330102")
    admin = users.person(unit, role="unit_admin")
    learner = users.person(unit, self_entry=True, name="普通学员")
    stranger = users.person(other, name="外院人员")
    colleague = users.person(unit, name="同事")
    login(client, admin.username, PASSWORD)
    assert client.get(f"/credits/new/free?person_id={stranger.id}").status_code == 404
    assert client.get(f"/credits/new/free?person_id={admin.id}").status_code == 404
    client.get("/logout/")
    login(client, learner.username, PASSWORD)
    assert client.get(f"/credits/new/free?person_id={colleague.id}").status_code == 404
    with app.app_context():
        category_id = db.session.scalar(select(CreditCategory.id).where(CreditCategory.type_slug == "free_form"))
    body = {"category_id": category_id, "person_id": colleague.id,
            "fields": {"activity_name": "冒名", "activity_date": "2025-05-01", "credit_level": "county",
                       **first_discipline(app), "issuer_name": "华医网", "credits": "1", "hours": "2"}}
    learner_token = api_token(app.test_client(), learner.username, PASSWORD)
    assert app.test_client().post("/api/v1/credits/", json=body,
                                  headers={"Authorization": f"Bearer {learner_token}"}).status_code == 404
    admin_api = app.test_client()
    admin_token = api_token(admin_api, admin.username, PASSWORD)
    headers = {"Authorization": f"Bearer {admin_token}"}
    assert admin_api.post("/api/v1/credits/", json={**body, "person_id": stranger.id}, headers=headers).status_code == 404
    created = admin_api.post("/api/v1/credits/", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        record = db.session.get(CreditRecord, created.get_json()["id"])
        assert record.person_id == colleague.id and record.entered_by_id is not None


def test_the_province_proxy_enters_for_an_out_of_province_learner(app, users):
    unit = users.unit("330101")
    users.province_admin()
    visitor = users.person(unit, name="外省学员", out_of_province=True, mobile="13800001111")
    client = app.test_client()
    token = api_token(client, "padmin", PASSWORD)
    with app.app_context():
        category_id = db.session.scalar(select(CreditCategory.id).where(CreditCategory.type_slug == "free_form"))
    created = client.post("/api/v1/credits/", headers={"Authorization": f"Bearer {token}"}, json={
        "category_id": category_id, "person_id": visitor.id,
        "fields": {"activity_name": "省级项目", "activity_date": "2025-05-01", "credit_level": "county",
                   **first_discipline(app), "issuer_name": "华医网", "credits": "3", "hours": "6"}})
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        assert db.session.get(CreditRecord, created.get_json()["id"]).person_id == visitor.id


def test_the_province_proxy_enters_through_the_wizard_keeping_whose_record_it_is(app, client, users):
    unit = users.unit("330101")
    users.province_admin()
    staff = users.person(unit, name="向导员工")
    login(client, "padmin", PASSWORD)
    with app.app_context():
        research = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "科研立项")).id
    step = client.get(f"/credits/wizard?category={research}&group=1&person_id={staff.id}").get_data(as_text=True)
    assert "代录：为 向导员工" in step and f"rule=%E7%9C%81%E7%BA%A7:2&amp;person_id={staff.id}" in step
    url = f"/credits/new/{research}?rule=省级:2&person_id={staff.id}"
    form = client.get(url).get_data(as_text=True)
    saved = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": csrf_from(form), **common_fields(unit, activity_name="省级课题"),
        "evidence": (io.BytesIO(png_bytes()), "立项书.png"), "action": "submit"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        record = db.session.scalar(select(CreditRecord).where(CreditRecord.activity_name == "省级课题"))
        assert (record.person_id, record.status, str(record.credits)) == (staff.id, "submitted", "7.00")
        assert record.evidence and record.evidence[0].person_id == staff.id
    refused = client.get(f"/review/{record.id}")
    assert refused.status_code == 302  # its enterer only reads it
