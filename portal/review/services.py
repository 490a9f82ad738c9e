"""学分审核's logic: the unit's queue of submitted records, and approving or rejecting them.
An approval writes the yearly compliance summary in the same transaction."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from portal import events
from portal.accounts.actor import Actor
from portal.compliance import summaries
from portal.credits import audit
from portal.credits.services import RecordConflict, RecordInvalid, saving
from portal.extensions import db
from portal.models import CreditRecord, Person
from portal.models.clock import now
from portal.notices import services as notices


def waiting(actor: Actor) -> int:
    """How many records of the actor's unit wait for review."""
    return db.session.scalar(select(func.count(CreditRecord.id)).where(
        CreditRecord.unit_id == actor.unit_id, CreditRecord.status == "submitted")) or 0


def queue(actor: Actor, person: str = "", category_id: int | None = None, credit_level: str = "",
          start: dt.date | None = None, end: dt.date | None = None) -> Select:
    """The actor's unit's submitted records matching the filters given."""
    # No join in the query itself: its count then reads the (unit, status, date) index alone.
    query = select(CreditRecord).where(CreditRecord.unit_id == actor.unit_id, CreditRecord.status == "submitted")
    if person:
        query = query.where(CreditRecord.person.has(Person.name.contains(person)))
    if category_id:
        query = query.where(CreditRecord.category_id == category_id)
    if credit_level:
        query = query.where(CreditRecord.credit_level == credit_level)
    if start:
        query = query.where(CreditRecord.activity_date >= start)
    if end:
        query = query.where(CreditRecord.activity_date <= end)
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
        if not actor.is_province_admin:
            if not (actor.is_unit_admin and record.unit_id == actor.unit_id):
                abort(404)
            if record.person_id == actor.person.id:
                raise RecordConflict(
                    _("Nobody reviews their own record: another admin of your unit, or the province, reviews it."))
        if record.status != "submitted":
            raise RecordConflict(_("\"%(name)s\" is no longer waiting for review.", name=record.activity_name))
        if seen is not None and seen.get(record.id) != record.version:
            raise RecordConflict(_("\"%(name)s\" was changed after you opened it: look at its new content and "
                                   "decide again.", name=record.activity_name))
    with saving():
        for record in records:
            before = audit.snapshot(record)
            record.status = "approved" if decision == "approve" else "rejected"
            record.review_comment, record.reviewed_by, record.reviewed_at = comment, actor.user.id, now()
            audit.write(record, actor, decision, before, audit.snapshot(record))
        if decision == "approve":
            summaries.refresh(records)
    notices.review_results(records)
    for record in records:
        events.credit_reviewed(record, actor)
    return records
