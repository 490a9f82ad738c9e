"""One append-only audit trail: account events are written (sign-in, failures, sign-out,
password change and reset, role and self-entry changes) without any password in them, and the
database itself refuses to rewrite history: raw SQL cannot update or delete an audit row, nor
change or delete an approved credit record (on SQLite, and on PostgreSQL when the suite runs there)."""
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import AuditEntry, Person
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, login


def _events(app):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id.is_(None)).order_by(AuditEntry.id)).all()
        return [(r.action, r.user_id, r.target_user_id, r.unit_id, r.ip, r.before, r.after) for r in rows]


def _user_id(app, person_id):
    with app.app_context():
        return db.session.get(Person, person_id).user_id


def _raw(app, statement):
    """Run ``statement`` as an attacker with SQL access through the app's connection would."""
    with app.app_context():
        try:
            db.session.execute(text(statement))
            db.session.commit()
        finally:
            db.session.rollback()


def test_sign_in_failures_and_sign_out_are_audited_without_the_password(app, client, users):
    unit = users.unit("330101")
    person = users.person(unit)
    uid = _user_id(app, person.id)
    login(client, person.username, "Wrong-guess-123")
    login(client, "nobody-here", "Another-guess-456")
    login(client, person.username, PASSWORD)
    client.get("/logout/")
    api_token(app.test_client(), person.username, PASSWORD)
    events = _events(app)
    actions = [(action, target) for action, _, target, *_ in events]
    assert actions == [("sign_in_failed", uid), ("sign_in_failed", None), ("sign_in", uid), ("sign_out", uid),
                       ("sign_in", uid)]
    assert all(ip == "127.0.0.1" for *_, ip, _, _ in events)
    assert events[2][3] == unit
    assert "guess" not in repr(events) and PASSWORD not in repr(events)


def test_password_change_reset_role_and_self_entry_changes_are_audited(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    learner = users.person(unit, name="李学员")
    province = users.province_admin()
    admin_uid, learner_uid = _user_id(app, admin.id), _user_id(app, learner.id)
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get(f"/people/{learner.id}").get_data(as_text=True))
    client.post("/people/self-entry", data={"csrf_token": token, "grant": "1", "person_id": [learner.id]})
    client.post("/people/self-entry", data={"csrf_token": token, "grant": "0", "person_id": [learner.id]})
    client.post(f"/people/{learner.id}/reset-password", data={"csrf_token": token})
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(api, province.username, PASSWORD)}"}
    assert api.put(f"/api/v1/people/{learner.id}", headers=headers, json={"role": "unit_admin"}).status_code == 200
    mine = {"Authorization": f"Bearer {api_token(api, admin.username, PASSWORD)}"}
    changed = api.post("/api/v1/me/password", headers=mine,
                       json={"old_password": PASSWORD, "new_password": "Quiet-harbour-lantern-9"})
    assert changed.status_code == 200
    account = [(a, by, target, before, after) for a, by, target, _, _, before, after in _events(app)
               if a not in ("sign_in", "sign_in_failed")]
    assert account == [
        ("self_entry_grant", admin_uid, learner_uid, {"roles": ["Learner"]}, {"roles": ["Learner", "SelfEntry"]}),
        ("self_entry_revoke", admin_uid, learner_uid, {"roles": ["Learner", "SelfEntry"]}, {"roles": ["Learner"]}),
        ("password_reset", admin_uid, learner_uid, None, None),
        ("role_change", province.id, learner_uid, {"roles": ["Learner"]}, {"roles": ["UnitAdmin"]}),
        ("password_change", admin_uid, admin_uid, None, None),
    ]
    assert "Quiet-harbour" not in repr(_events(app))


def test_raw_sql_cannot_update_or_delete_audit_rows(app, client, users):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    with app.app_context():
        count = db.session.scalar(select(db.func.count(AuditEntry.id)))
    assert count >= 1
    for statement in ("UPDATE audit_entry SET action = 'nothing'", "DELETE FROM audit_entry",
                      "UPDATE audit_entry SET ip = NULL WHERE id = (SELECT max(id) FROM audit_entry)"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(app, statement)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AuditEntry.id))) == count
        assert "nothing" not in db.session.scalars(select(AuditEntry.action)).all()
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(app, "TRUNCATE audit_entry")


def test_raw_sql_cannot_change_or_delete_an_approved_record(app, users):
    learner = users.person(users.unit("330101"), self_entry=True)
    users.province_admin()
    record = approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1),
                             {"credits": "2", "hours": 6, "activity_name": "学习班"})
    for statement in (f"UPDATE credit_record SET credits = 2500 WHERE id = {record}",
                      f"UPDATE credit_record SET status = 'draft' WHERE id = {record}",
                      f"UPDATE credit_record SET person_id = person_id + 1 WHERE id = {record}"):
        with pytest.raises(DBAPIError, match="correction"):
            _raw(app, statement)
    with pytest.raises(DBAPIError, match="never deleted"):
        _raw(app, f"DELETE FROM credit_record WHERE id = {record}")
    with app.app_context():
        row = db.session.execute(text(f"SELECT status, credits FROM credit_record WHERE id = {record}")).one()
    assert row.status == "approved" and row.credits == 200
    # Only what it was scored from and as is frozen: a remark is not.
    _raw(app, f"UPDATE credit_record SET remarks = 'ok' WHERE id = {record}")


def test_no_record_is_deleted_so_the_trail_never_names_a_missing_one(app, users):
    """The trail names records by id alone (their key includes the year): a draft with history
    cannot be deleted from under it either, and on PostgreSQL an entry naming no record is refused."""
    from portal.accounts.actor import actor_for
    from portal.credits import services as credits
    from portal.models import CreditCategory

    learner = users.person(users.unit("330101"), self_entry=True)
    with app.test_request_context():
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "非向导录入"))
        draft = credits.create(actor_for(db.session.get(Person, learner.id).user), category,
                               {"activity_name": "学习班", "activity_date": dt.date(2025, 3, 1)},
                               {"credits": "2", "hours": 6, "activity_name": "学习班"}).id
        db.session.commit()
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.record_id == draft)) is not None
        postgresql = db.engine.dialect.name == "postgresql"
    with pytest.raises(DBAPIError, match="never deleted"):
        _raw(app, f"DELETE FROM credit_record WHERE id = {draft}")
    if postgresql:
        with pytest.raises(DBAPIError, match="does not exist"):
            _raw(app, f"INSERT INTO audit_entry (record_id, role, action) VALUES ({draft + 1000}, 'learner', 'edit')")
    _raw(app, f"INSERT INTO audit_entry (record_id, role, action) VALUES ({draft}, 'learner', 'edit')")


def test_imports_transfers_revocations_reminders_and_dictionary_edits_are_audited(app, client, users):
    """Each privileged action of the admins leaves one row naming who did it, in which unit."""
    from portal.accounts.actor import actor_for
    from portal.certificates import services as certificates
    from portal.models import Certificate
    from portal.notices import services as notices
    from tests.test_staff_import import _rows, _workbook

    province = users.province_admin()
    home, other = users.unit("330101"), users.unit("330201")
    admin = users.person(home, role="unit_admin", name="管理员")
    mover = users.person(other, name="调动者")
    learner = users.person(home, self_entry=True, name="学员")
    record = approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "5", "hours": "10"}, "national")

    bearer = {"Authorization": f"Bearer {api_token(client, admin.username, PASSWORD)}"}
    assert client.post("/api/v1/people/import", headers=bearer,
                       data={"file": (_workbook(_rows(2)), "s.xlsx")}).status_code == 201
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/transfers/").get_data(as_text=True))
    client.post("/transfers/ask", data={"csrf_token": token, "id_number": mover.id_number})
    with app.test_request_context():
        certificate = certificates.issue(actor_for(db.session.get(Person, learner.id).user), [record])[0]
        certificates.revoke(actor_for(app.appbuilder.sm.find_user(province.username)),
                            db.session.get(Certificate, certificate.id), "证明材料伪造")
        notices.remind(2025, [home], actor_for(db.session.get(Person, admin.id).user))
    province_client = app.test_client()
    login(province_client, province.username, PASSWORD)
    page = province_client.get("/dictionaries/add").get_data(as_text=True)
    province_client.post("/dictionaries/add", data={"csrf_token": csrf_from(page), "dictionary": "hosting_methods",
                                                    "code": "tmp", "name": "临时方式", "credit_class": "", "position": "9",
                                                    "enabled": "y"})
    events = {e[0]: e for e in _events(app)}
    with app.app_context():
        province_user = app.appbuilder.sm.find_user(province.username).id
    admin_user = _user_id(app, admin.id)
    assert events["staff_import"][1:2] == (admin_user,) and events["staff_import"][6] == {"created": 2}
    assert events["transfer_request"][1:4] == (admin_user, _user_id(app, mover.id), other)
    assert events["certificate_revoke"][1] == province_user and events["certificate_revoke"][6]["reason"] == "证明材料伪造"
    assert events["reminders_sent"][1] == admin_user and events["reminders_sent"][6]["year"] == 2025
    assert events["dictionary_change"][1] == province_user and events["dictionary_change"][6]["code"] == "tmp"


def test_the_audit_search_shows_a_unit_its_own_events_in_words_and_the_province_everything(app, client, users):
    province = users.province_admin()
    home, other = users.unit("330101", name="杭州市第一医院"), users.unit("330201", name="宁波市第二医院")
    admin = users.person(home, role="unit_admin", name="本院管理员")
    other_admin = users.person(other, role="unit_admin", name="外院管理员")
    learner = users.person(home, name="本院学员")
    stranger = users.person(other, name="外院学员")
    for who, whom in ((admin, learner), (other_admin, stranger)):
        c = app.test_client()
        login(c, who.username, PASSWORD)
        page = c.get("/people/").get_data(as_text=True)
        c.post("/people/self-entry", data={"csrf_token": csrf_from(page), "grant": "1", "person_id": [whom.id]})
    login(client, admin.username, PASSWORD)
    mine = client.get("/audit/?action=self_entry_grant").get_data(as_text=True)
    assert "开通自主录入" in mine and "本院学员" in mine and "外院学员" not in mine
    assert "学员 → 学员、学分自主录入" in mine
    dated = client.get("/audit/?action=self_entry_grant&from=2000-01-01&to=2000-01-02").get_data(as_text=True)
    assert "本院学员" not in dated
    learner_client = app.test_client()
    login(learner_client, learner.username, PASSWORD)
    assert learner_client.get("/audit/").status_code in (302, 403)
    province_client = app.test_client()
    login(province_client, province.username, PASSWORD)
    everything = province_client.get(f"/audit/?who={other_admin.username}").get_data(as_text=True)
    assert "外院学员" in everything and "本院学员" not in everything
