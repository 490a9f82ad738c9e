"""学分审核's logic: the queue of submitted records (a unit admin's unit, or the whole province),
approving or rejecting them one by one, ticked, or as a whole selection, and the province's
per-unit backlog. An approval writes the yearly compliance summary in the same transaction."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, Select, func, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from portal import events
from portal.accounts import audit as account_audit
from portal.accounts.actor import Actor
from portal.compliance import summaries
from portal.contracts import to_json
from portal.credits import audit, reviewers
from portal.credits.services import RecordConflict, RecordInvalid, saving
from portal.extensions import db
from portal.models import AuditEntry, CreditRecord, Person, Unit
from portal.models.clock import now
from portal.models.units import subtree
from portal.notices import services as notices
from portal.request_args import date_arg

# Records approved per transaction (and per audit row) in an approval of a whole selection.
CHUNK = 500
# The queue's ?years= for the years before last year.
EARLIER = "earlier"


def period(earlier: bool = False) -> ColumnElement[bool]:
    """The credit years the queue shows: this year and last (so PostgreSQL reads those partitions
    alone), or, chosen explicitly, every earlier year."""
    this = dt.date.today().year
    return CreditRecord.credit_year < this - 1 if earlier else CreditRecord.of_years(this - 1, this)


def waiting(actor: Actor, earlier: bool = False) -> int:
    """How many submitted records of the period wait for the actor's decision (a unit admin's
    unit's, the province's own queue: those nobody in their unit may decide)."""
    query = select(func.count(CreditRecord.id)).where(CreditRecord.status == "submitted", period(earlier),
                                                      reviewers.decidable_by(actor))
    if actor.is_province_admin:
        query = query.where(reviewers.for_province())
    return db.session.scalar(query) or 0


@dataclass(frozen=True)
class Filters:
    """The review queue's filters, as the page and the whole-selection actions read them."""

    person: str = ""
    category_id: int | None = None
    credit_level: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    unit_id: int | None = None          # the province: a unit and every unit below it
    older_than: int | None = None       # days waiting, at least
    province_only: bool = False         # the province: only what nobody in the unit may decide
    earlier: bool = False               # records of the years before last year (see period)

    @classmethod
    def read(cls, args: Mapping[str, str]) -> Filters:
        older = args.get("older_than", "").strip()
        unit = args.get("unit_id", "").strip()
        category = args.get("category_id", "").strip()
        return cls(person=args.get("person", "").strip(), category_id=int(category) if category.isdigit() else None,
                   credit_level=args.get("credit_level", ""), start=date_arg("from", args), end=date_arg("to", args),
                   unit_id=int(unit) if unit.isdigit() else None, older_than=int(older) if older.isdigit() else None,
                   province_only=args.get("province_only") == "1", earlier=args.get("years") == EARLIER)


def queue(actor: Actor, filters: Filters = Filters()) -> Select:
    """The submitted records the actor may decide that match the filters: a unit admin's unit's
    (never their own, never what they entered for someone), any unit's for the province."""
    # No join in the query itself: its count then reads the (unit, status, date) index alone.
    query = select(CreditRecord).where(CreditRecord.status == "submitted", period(filters.earlier),
                                       reviewers.decidable_by(actor))
    if filters.person:
        query = query.where(CreditRecord.person.has(Person.name.contains(filters.person)))
    if filters.category_id:
        query = query.where(CreditRecord.category_id == filters.category_id)
    if filters.credit_level:
        query = query.where(CreditRecord.credit_level == filters.credit_level)
    if filters.start or filters.end:
        query = query.where(CreditRecord.dated(filters.start, filters.end))
    if filters.older_than:
        query = query.where(CreditRecord.submitted_at <= now() - dt.timedelta(days=filters.older_than))
    if actor.is_province_admin:
        if filters.unit_id:
            query = query.where(CreditRecord.unit_id.in_(subtree(filters.unit_id)))
        if filters.province_only:
            query = query.where(reviewers.for_province())
    return query


def decide(actor: Actor, records: list[CreditRecord], decision: str, comment: str = "",
           seen: Mapping[int, int | None] | None = None) -> list[CreditRecord]:
    """Approve or reject submitted records (a comment is required to reject). A unit admin reviews
    the unit's records but never their own; the provincial admin may review any record, which
    is also how a unit's only admin gets their own records reviewed. ``seen`` maps each record's
    id to the version the reviewer was shown (pages and API always give it): a record changed
    since then is a conflict, so a decision never applies to content its reviewer did not see."""
    if decision not in ("approve", "reject"):
        raise RecordInvalid({"decision": [_("Choose approve or reject.")]})
    comment = (comment or "").strip()
    if decision == "reject" and not comment:
        raise RecordInvalid({"comment": [_("Say why the record is rejected, so the learner can correct it.")]})
    for record in records:
        if not actor.is_province_admin and not (actor.is_unit_admin and record.unit_id == actor.unit_id):
            abort(404)
        if not reviewers.may_decide(actor, record):
            raise RecordConflict(_("Nobody reviews a record of their own or one they entered for someone: another "
                                   "admin of the unit, or the province, reviews it."))
        if record.status != "submitted":
            raise RecordConflict(_("\"%(name)s\" is no longer waiting for review.", name=record.activity_name))
        if seen is not None and seen.get(record.id) != record.version:
            raise RecordConflict(_("\"%(name)s\" was changed after you opened it: look at its new content and "
                                   "decide again.", name=record.activity_name))
    with saving():
        _apply(actor, records, decision, comment)
    _announce(actor, records)
    return records


def _apply(actor: Actor, records: list[CreditRecord], decision: str, comment: str) -> None:
    if not records:  # a whole selection's chunk of records all skipped
        return
    before = [audit.snapshot(record) for record in records]
    _decided(records, "approved" if decision == "approve" else "rejected", comment, actor.user.id)
    audit.write_all(actor, decision, [(record, was, audit.snapshot(record)) for record, was in zip(records, before, strict=True)])
    if decision == "approve":
        for record in records:
            if record.corrects_id is not None:
                db.session.get(CreditRecord, record.corrects_id).superseded = True
        summaries.refresh(records)


def _decided(records: list[CreditRecord], status: str, comment: str, reviewer: int) -> None:
    """The decision written in one UPDATE, each record only at the version this request read:
    one that another request changed meanwhile makes the decision a conflict, as the ORM's version
    check does for a record written alone (which takes an UPDATE a record, twenty for a page).
    The records as the session holds them are set to what was written."""
    at = now()
    written = db.session.execute(
        update(CreditRecord).where(tuple_(CreditRecord.id, CreditRecord.version).in_([(r.id, r.version) for r in records]))
        .values(status=status, review_comment=comment, reviewed_by=reviewer, reviewed_at=at, version=CreditRecord.version + 1)
        .execution_options(synchronize_session=False))
    if written.rowcount != len(records):
        raise StaleDataError("a decided record was changed meanwhile")
    for record in records:
        for name, value in (("status", status), ("review_comment", comment), ("reviewed_by", reviewer),
                            ("reviewed_at", at), ("version", record.version + 1)):
            set_committed_value(record, name, value)
        db.session.expire(record, ["updated_at"])


def _announce(actor: Actor, records: list[CreditRecord]) -> None:
    events.credits_reviewed(records, actor)
    notices.review_results(records)


# --- a whole selection ---------------------------------------------------------------------------

def waiting_earlier() -> int:
    """How many submitted records of the years before last year wait anywhere in the province."""
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.status == "submitted", period(earlier=True))) or 0


def selection_mark() -> int:
    """What "unchanged since the selection" is measured against: the audit trail's last row.
    Every change of a record (submitting it again, its evidence) writes a row there, so a record
    with a row past the mark changed after the reviewer saw the selection."""
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


@dataclass
class BatchReport:
    """What an approval of a whole selection did: ``approved`` records, and those it skipped, by why."""

    approved: int = 0
    changed: int = 0        # changed, or submitted, after the selection was made
    decided: int = 0        # no longer waiting: decided or withdrawn meanwhile
    not_allowed: int = 0    # the actor may not decide them (their own, or entered by them)

    @property
    def skipped(self) -> int:
        return self.changed + self.decided + self.not_allowed


def approve_matching(actor: Actor, filters: Filters, mark: int) -> BatchReport:
    """Approve every record of the actor's queue that matches ``filters`` (pages never shown
    included) and has not changed since ``mark`` (``selection_mark`` when the selection was
    shown), one transaction and one audit row with the counts per CHUNK records."""
    ids = db.session.scalars(queue(actor, filters).with_only_columns(CreditRecord.id).order_by(CreditRecord.id)).all()
    report = BatchReport()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        records = db.session.scalars(select(CreditRecord).where(CreditRecord.id.in_(chunk))
                                     .order_by(CreditRecord.id).with_for_update()).all()
        moved = set(db.session.scalars(select(AuditEntry.record_id).where(
            AuditEntry.record_id.in_(chunk), AuditEntry.id > mark)))
        part = BatchReport()
        chosen = []
        for record in records:
            if record.status != "submitted":
                part.decided += 1
            elif record.id in moved:
                part.changed += 1
            elif not reviewers.may_decide(actor, record):
                part.not_allowed += 1
            else:
                chosen.append(record)
        part.approved = len(chosen)
        with saving():
            _apply(actor, chosen, "approve", "")
            account_audit.write(account_audit.REVIEW_BATCH, None, actor, actor.unit_id,
                                after={"decision": "approve", "approved": part.approved, "changed": part.changed,
                                       "decided": part.decided, "not_allowed": part.not_allowed,
                                       "filters": to_json(asdict(filters))})
        _announce(actor, chosen)
        for name in ("approved", "changed", "decided", "not_allowed"):
            setattr(report, name, getattr(report, name) + getattr(part, name))
    return report


def backlog(sort: str = "count", earlier: bool = False) -> list[Row]:
    """Per unit with records of the period waiting: the unit's id and name, how many wait, and since when."""
    pending, oldest = func.count(CreditRecord.id).label("pending"), func.min(CreditRecord.submitted_at).label("oldest")
    order = {"oldest": (oldest, Unit.code), "unit": (Unit.code,)}.get(sort, (pending.desc(), Unit.code))
    return db.session.execute(
        select(Unit.id, Unit.code, Unit.name, pending, oldest).join(CreditRecord, CreditRecord.unit_id == Unit.id)
        .where(CreditRecord.status == "submitted", period(earlier)).group_by(Unit.id, Unit.code, Unit.name)
        .order_by(*order)).all()
