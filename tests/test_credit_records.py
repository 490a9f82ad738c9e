"""The credit-record workflow through its services: scoring by the category's type, drafts,
submission (once), review, editing a rejected record, integrity (versions, approved records
never change), scoping, the audit trail and the plugin events."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.actor import actor_for
from portal.contracts import ActorInfo, RecordInfo
from portal.credits import services as credits
from portal.credits.services import RecordConflict, RecordInvalid
from portal.extensions import db
from portal.hookspecs import hookimpl
from portal.models import AuditEntry, CreditCategory, CreditRecord, EvidenceFile
from portal.models.people import Person
from portal.review import services as review

COMMON = {"activity_name": "省级课题", "activity_date": dt.date(2025, 5, 1), "credit_level": "provincial",
          "issuing_unit_id": None}


@pytest.fixture
def world(app, users):
    unit, other_unit = users.unit("330101"), users.unit("330102")
    made = {"learner": users.person(unit, self_entry=True, name="甲"), "other": users.person(unit, self_entry=True, name="乙"),
            "admin": users.person(unit, role="unit_admin"), "foreign_admin": users.person(other_unit, role="unit_admin")}
    with app.test_request_context():
        yield {name: actor_for(app.appbuilder.sm.get_user_by_id(db.session.scalar(
            select(Person.user_id).where(Person.id == m.id)))) for name, m in made.items()}


def category(name):
    return db.session.scalar(select(CreditCategory).where(CreditCategory.name == name))


def with_evidence(record):
    db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                person_id=record.person_id, stored_name=f"test{record.id:028d}",
                                original_name="证书.jpg", media_type="image/jpeg", size=10, sha256="0" * 64))
    db.session.commit()
    return record


def test_wizard_entry_is_scored_by_the_category(world):
    record = credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2")
    assert (record.credits, record.credit_class, record.status) == (Decimal("7.00"), "II", "draft")
    assert record.fields == {"level": "省级", "rank": 2}


def test_free_form_takes_its_class_from_the_credit_level(world):
    national = credits.create(world["learner"], category("非向导录入"), {**COMMON, "credit_level": "national"},
                              {"credits": "3.5", "hours": "10"})
    county = credits.create(world["learner"], category("非向导录入"), {**COMMON, "credit_level": "county",
                                                                   "activity_name": "县级课题"},
                            {"credits": "1", "hours": "2"})
    assert (national.credit_class, national.credits, national.hours) == ("I", Decimal("3.50"), Decimal("10.0"))
    assert county.credit_class == "II"


def test_invalid_fields_are_refused_with_messages_per_field(world):
    with pytest.raises(RecordInvalid) as error:
        credits.create(world["learner"], category("科研立项"), COMMON, {"level": "省级", "rank": "9"})
    assert "rank" in error.value.errors
    with pytest.raises(RecordInvalid) as error:
        credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="乡级:1")
    assert "wizard_rule" in error.value.errors
    assert db.session.scalar(select(CreditRecord).where(CreditRecord.person_id == world["learner"].person.id)) is None


def test_full_workflow_with_rejection_and_resubmission(world):
    learner, admin = world["learner"], world["admin"]
    record = with_evidence(credits.create(learner, category("科研立项"), COMMON, {}, wizard_rule="省级:2"))
    credits.submit(learner, [record])
    credits.submit(learner, [record])  # a double click: still one submission
    assert record.status == "submitted"
    with pytest.raises(RecordInvalid):
        review.decide(admin, [record], "reject", "  ")
    review.decide(admin, [record], "reject", "证明材料不清晰")
    assert (record.status, record.review_comment) == ("rejected", "证明材料不清晰")
    credits.update(learner, record, record.version, category("科研立项"), COMMON, {}, wizard_rule="省级:1")
    credits.submit(learner, [record])
    review.decide(admin, [record], "approve")
    assert (record.status, record.credits) == ("approved", Decimal("8.00"))
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)).all()
    assert actions == ["create", "submit", "reject", "edit", "submit", "approve"]
    rejected = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reject")).one()
    assert (rejected.before["status"], rejected.after["status"], rejected.role) == ("submitted", "rejected", "unit_admin")
    with pytest.raises(RecordConflict):  # approved records never change
        credits.update(learner, record, record.version, category("科研立项"), COMMON, {}, wizard_rule="省级:3")


def test_submitting_needs_evidence(world):
    record = credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2")
    with pytest.raises(RecordInvalid) as error:
        credits.submit(world["learner"], [record])
    assert "evidence" in error.value.errors and record.status == "draft"


def test_a_stale_version_is_a_conflict(world):
    record = credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2")
    stale = record.version
    credits.update(world["learner"], record, stale, category("科研立项"), COMMON, {}, wizard_rule="省级:3")
    with pytest.raises(RecordConflict):
        credits.update(world["learner"], record, stale, category("科研立项"), COMMON, {}, wizard_rule="省级:1")
    assert record.credits == Decimal("6.00")


def test_a_concurrent_change_in_the_database_makes_the_later_writer_lose(app, world):
    learner, admin = world["learner"], world["admin"]
    record = with_evidence(credits.create(learner, category("科研立项"), COMMON, {}, wizard_rule="省级:2"))
    credits.submit(learner, [record])
    # Another worker approves it between our read and our write.
    with Session(db.engine) as other:
        other.execute(update(CreditRecord).where(CreditRecord.id == record.id)
                      .values(status="approved", version=CreditRecord.version + 1))
        other.commit()
    with pytest.raises(RecordConflict):
        review.decide(admin, [record], "reject", "重复")
    db.session.expire_all()
    assert db.session.get(CreditRecord, record.id).status == "approved"


def test_changed_parameters_do_not_rescore_existing_records(world):
    record = credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2")
    research = category("科研立项")
    original = research.params
    research.params = {**original, "table": {**original["table"], "省级": ["1", "1", "1", "1", "1"]}}
    db.session.commit()
    try:
        db.session.expire_all()
        assert db.session.get(CreditRecord, record.id).credits == Decimal("7.00")
        assert db.session.get(CreditRecord, record.id).params["table"]["省级"][1] == "7.00"
    finally:
        category("科研立项").params = original
        db.session.commit()


def test_others_records_are_not_found(world):
    from werkzeug.exceptions import NotFound

    record = with_evidence(credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2"))
    with pytest.raises(NotFound):
        credits.get(world["other"], record.id)
    with pytest.raises(NotFound):
        credits.get_own(world["admin"], record.id)  # the reviewer sees it but cannot edit it
    assert credits.get(world["admin"], record.id) is record
    credits.submit(world["learner"], [record])
    with pytest.raises(NotFound):
        review.decide(world["foreign_admin"], [record], "approve")
    with pytest.raises(NotFound):
        credits.get(world["foreign_admin"], record.id)


def test_a_deleted_draft_disappears_but_keeps_its_audit_trail(world):
    record = credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2")
    credits.delete(world["learner"], record, record.version)
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        credits.get(world["learner"], record.id)
    actions = select(AuditEntry.action).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
    assert db.session.scalars(actions).all() == ["create", "delete"]


class Listener:
    def __init__(self):
        self.events = []
        self.seen = []

    @hookimpl
    def credit_submitted(self, record, actor):
        self.events.append(("submitted", record.id, actor.role))
        self.seen.append((record, actor))

    @hookimpl
    def credit_reviewed(self, record, actor):
        self.events.append((record.status, record.id, actor.role))
        self.seen.append((record, actor))


def test_submission_and_review_are_plugin_events(app, world):
    """credit_submitted and credit_reviewed reach plugins after the change is committed."""
    listener = Listener()
    pm = app.extensions["portal"].pm
    pm.register(listener, name="test-listener")
    try:
        record = with_evidence(credits.create(world["learner"], category("科研立项"), COMMON, {}, wizard_rule="省级:2"))
        credits.submit(world["learner"], [record])
        review.decide(world["admin"], [record], "approve")
    finally:
        pm.unregister(name="test-listener")
    assert listener.events == [("submitted", record.id, "learner"), ("approved", record.id, "unit_admin")]
    # Plugins get the contract's plain values, as they were at each event, not the ORM objects.
    (submitted, learner), (approved, admin) = listener.seen
    assert isinstance(submitted, RecordInfo) and isinstance(learner, ActorInfo)
    assert (submitted.status, approved.status) == ("submitted", "approved")
    assert submitted.credits == record.credits and submitted.category == "科研立项"
    assert submitted.person == approved.person and submitted.person.name == record.person.name
    assert not hasattr(submitted.person, "id_number")
    assert (learner.user_id, admin.user_id) == (world["learner"].user.id, world["admin"].user.id)


def test_nobody_reviews_their_own_record_but_the_province_may(app, world, users):
    admin = world["admin"]
    own = with_evidence(credits.create(admin, category("科研立项"), COMMON, {}, wizard_rule="省级:2"))
    credits.submit(admin, [own])
    with pytest.raises(RecordConflict):
        review.decide(admin, [own], "approve")
    province = actor_for(app.appbuilder.sm.find_user(username=users.province_admin().username))
    review.decide(province, [own], "approve")
    assert own.status == "approved" and own.reviewed_by == province.user.id


def test_a_page_decided_while_one_of_its_records_changed_decides_none(app, world):
    """Twenty records are decided in one statement: if another worker changed one of them after the
    page was read, none is decided and no audit row is written."""
    learner, admin = world["learner"], world["admin"]
    records = [with_evidence(credits.create(learner, category("科研立项"), {**COMMON, "activity_name": f"课题{n}"}, {},
                                            wizard_rule="省级:2")) for n in range(3)]
    credits.submit(learner, records)
    with Session(db.engine) as other:
        other.execute(update(CreditRecord).where(CreditRecord.id == records[1].id).values(version=CreditRecord.version + 1))
        other.commit()
    with pytest.raises(RecordConflict):
        review.decide(admin, records, "approve")
    db.session.expire_all()
    assert {db.session.get(CreditRecord, r.id).status for r in records} == {"submitted"}
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.record_id.in_([r.id for r in records]),
                                                              AuditEntry.action == "approve")).all() == []
    review.decide(admin, [db.session.get(CreditRecord, r.id) for r in records], "approve")
    db.session.expire_all()
    assert {db.session.get(CreditRecord, r.id).status for r in records} == {"approved"}
