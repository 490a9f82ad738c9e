"""Attaching evidence files to credit records: checking and storing uploads within the credit
type's rules, files that wait for their record (the form came back with an error), removal,
and finding a file only for someone who may see its record. A file is moved into place only
when the transaction that adds its row commits (``save_in_transaction``)."""
from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from portal.accounts.actor import Actor
from portal.contracts import EvidenceRules
from portal.credits import audit
from portal.credits.services import EDITABLE, RecordConflict, visible
from portal.evidence import EvidenceRejected, evidence_store, inspect, save_in_transaction, scan
from portal.evidence.downloads import clean_name
from portal.extensions import db
from portal.models import CreditRecord, EvidenceFile, Person
from portal.models.clock import now
from portal.people import services as people

PENDING_FOR = dt.timedelta(days=1)


def add(actor: Actor, rules: EvidenceRules, filename: str, data: bytes, record: CreditRecord | None,
        already: int, person_id: int | None = None) -> EvidenceFile:
    """Check and store one upload; the file is in place once the caller commits. With ``record``
    None the file waits for its record, as a file of ``person_id`` (whose record it will prove:
    the actor's own by default). ``already`` is how many files the record has (or will have)
    besides this one. StorageFull when the disk has no room (nothing is stored)."""
    if record is not None:
        # Parallel uploads to one record queue here (the row stays locked until the caller
        # commits), so each counts the files the others added: never more than max_files.
        db.session.scalars(select(CreditRecord).where(CreditRecord.id == record.id).with_for_update()
                           .execution_options(populate_existing=True)).one()
        already = max(already, db.session.scalar(select(func.count(EvidenceFile.id))
                                                 .where(EvidenceFile.record_id == record.id)))
    if already >= rules.max_files:
        raise EvidenceRejected(_("A record has at most %(n)d evidence files; remove one before adding another.",
                                 n=rules.max_files))
    if record is not None and record.status not in EDITABLE:
        raise RecordConflict(_("Evidence can change only while the record is a draft or rejected."))
    checked = inspect(data, filename, rules.max_bytes)
    scan(checked.data, filename)
    before = audit.snapshot(record) if record is not None else None
    if record is not None:
        _changed(record)
    owner = record.person_id if record is not None else person_id or actor.person.id
    file = EvidenceFile(record_id=record.id if record else None, record_year=record.credit_year if record else None,
                        person_id=owner,
                        stored_name=save_in_transaction(checked.data, checked.extension),
                        original_name=clean_name(PurePath(filename or "").name, checked.extension),
                        media_type=checked.media_type, size=checked.size, sha256=checked.sha256)
    db.session.add(file)
    db.session.flush()
    if record is not None:
        db.session.refresh(record, ["evidence"])
        audit.write(record, actor, "evidence_add", before, audit.snapshot(record))
    return file


def pending(actor: Actor, ids: list[int], person_id: int | None = None) -> list[EvidenceFile]:
    """Files that wait for a record of ``person_id`` (the actor's own by default), by id; others'
    ids are ignored. The caller has checked that the actor enters records for that person."""
    owner = person_id or (actor.person.id if actor.person else None)
    if not ids or owner is None:
        return []
    return list(db.session.scalars(select(EvidenceFile).where(
        EvidenceFile.id.in_(ids), EvidenceFile.record_id.is_(None), EvidenceFile.person_id == owner,
    ).order_by(EvidenceFile.id)))


def attach(actor: Actor, record: CreditRecord, files: list[EvidenceFile]) -> None:
    if not files:
        return
    before = audit.snapshot(record)
    _changed(record)
    for file in files:
        file.record_year = record.credit_year
    # Through the record's collection (which the snapshot has loaded): it sets each file's record
    # and stays what the database holds, in id order, without reading the record and files again.
    record.evidence.extend(files)
    db.session.flush()
    audit.write(record, actor, "evidence_add", before, audit.snapshot(record))


def remove(actor: Actor, record: CreditRecord, file_id: int) -> None:
    file = next((f for f in record.evidence if f.id == file_id), None)
    if file is None:
        abort(404)
    if record.status not in EDITABLE:
        raise RecordConflict(_("Evidence can change only while the record is a draft or rejected."))
    before = audit.snapshot(record)
    _changed(record)
    db.session.delete(file)
    db.session.flush()
    db.session.refresh(record, ["evidence"])
    audit.write(record, actor, "evidence_remove", before, audit.snapshot(record))
    db.session.commit()
    evidence_store().delete(file.stored_name)


def _changed(record: CreditRecord) -> None:
    """Evidence rows are the record's content too: updating the record moves its version on, so
    that a review decision (which names the version it saw) never applies to files it did not see."""
    record.updated_at = now()


def find(actor: Actor, file_id: int) -> EvidenceFile:
    """A file of a record the actor may see, or one of the actor's own waiting files; else 404."""
    file = db.session.get(EvidenceFile, file_id)
    if file is None:
        abort(404)
    if file.record_id is None:
        own = actor.person is not None and file.person_id == actor.person.id
        # An admin's upload for an entry on a person's behalf (代录) waits as that person's file.
        if not own and db.session.scalar(people.scoped(actor).with_only_columns(Person.id)
                                         .where(Person.id == file.person_id)) is None:
            abort(404)
    elif db.session.scalar(visible(actor).with_only_columns(CreditRecord.id).where(CreditRecord.id == file.record_id)) is None:
        abort(404)
    return file


def forget_stale_pending() -> None:
    """Waiting files nobody attached within a day are deleted (a form abandoned after an error)."""
    stale = db.session.scalars(select(EvidenceFile).where(
        EvidenceFile.record_id.is_(None), EvidenceFile.created_at < now() - PENDING_FOR)).all()
    if stale:
        db.session.execute(delete(EvidenceFile).where(EvidenceFile.id.in_([f.id for f in stale])))
        db.session.commit()
        for file in stale:
            evidence_store().delete(file.stored_name)
