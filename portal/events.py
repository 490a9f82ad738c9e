"""The events plugins observe (portal/hookspecs.py): the core's person, record and actor turned
into the contract's plain values, then the hook called."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload

from portal.contracts import ActorInfo, PersonInfo, RecordInfo
from portal.extensions import db
from portal.models import CreditRecord, Person

if TYPE_CHECKING:
    from portal.accounts.actor import Actor


def person_created(person: Person, actor: Actor) -> None:
    """Inside the creating transaction: a plugin that raises refuses the creation."""
    _hook().person_created(person=person_info(person), actor=actor_info(actor))


def credit_submitted(record: CreditRecord, actor: Actor) -> None:
    hook = _hook()
    if hook.credit_submitted.get_hookimpls():
        _read_again([record])
        hook.credit_submitted(record=record_info(record), actor=actor_info(actor))


def credits_reviewed(records: list[CreditRecord], actor: Actor) -> None:
    # Read again and described only for a plugin that listens: for twenty records, a third of an
    # approval's time went to telling no one.
    hook = _hook()
    if not hook.credit_reviewed.get_hookimpls():
        return
    _read_again(records)
    who = actor_info(actor)
    for record in records:
        hook.credit_reviewed(record=record_info(record), actor=who)


def _read_again(records: list[CreditRecord]) -> None:
    """The records, committed (so expired) just before their event, read again in one query with
    the person, account and category the event carries: not one query per record and relation."""
    ids = [inspect(r).identity[0] for r in records]
    db.session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)).options(
        joinedload(CreditRecord.person).joinedload(Person.user), joinedload(CreditRecord.category))).unique().all()


def actor_info(actor: Actor) -> ActorInfo:
    return ActorInfo(user_id=actor.user.id, username=actor.user.username, role=actor.api_role,
                     person_id=actor.person.id if actor.person else None, unit_id=actor.unit_id)


def person_info(person: Person) -> PersonInfo:
    return PersonInfo(id=person.id, person_no=person.person_no, name=person.name, unit_id=person.unit_id,
                      username=person.user.username, mobile=person.mobile or "", email=person.email or "",
                      out_of_province=bool(person.out_of_province))


def record_info(record: CreditRecord) -> RecordInfo:
    return RecordInfo(id=record.id, status=record.status, person=person_info(record.person), unit_id=record.unit_id,
                      category_id=record.category_id, category=record.category.name,
                      activity_name=record.activity_name, activity_date=record.activity_date, credits=record.credits,
                      hours=record.hours, credit_class=record.credit_class, review_comment=record.review_comment or "")


def _hook():
    return current_app.extensions["portal"].pm.hook
