"""Who reviews a record: never its own person, never the admin who entered it for them (代录).
A unit admin reviews the unit's other records; the provincial admin any record, which is where
a record goes when nobody in its unit may decide it (the unit's only admin's own record)."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.accounts.actor import Actor
from portal.accounts.roles import UNIT_ADMIN
from portal.extensions import db
from portal.models import CreditRecord, Person
from portal.people.services import has_role


def may_decide(actor: Actor, record: CreditRecord) -> bool:
    """Whether ``actor`` may approve or reject ``record`` (whatever its status)."""
    if record.entered_by_id == actor.user.id:
        return False
    if actor.is_province_admin:
        return True
    return actor.is_unit_admin and record.unit_id == actor.unit_id and record.person_id != actor.person.id


def decidable_by(actor: Actor) -> ColumnElement[bool]:
    """SQL: the records ``actor`` may decide (``may_decide`` as a condition)."""
    not_entered = or_(CreditRecord.entered_by_id.is_(None), CreditRecord.entered_by_id != actor.user.id)
    if actor.is_province_admin:
        return not_entered
    if not actor.is_unit_admin:
        return CreditRecord.id.is_(None)
    return and_(not_entered, CreditRecord.unit_id == actor.unit_id, CreditRecord.person_id != actor.person.id)


def _unit_colleague() -> ColumnElement[bool]:
    """SQL: an admin of the record's unit who may decide it (not its person, not its enterer)."""
    colleague, account = aliased(Person), aliased(User)
    return exists().where(
        colleague.unit_id == CreditRecord.unit_id, colleague.id != CreditRecord.person_id,
        colleague.user_id != func.coalesce(CreditRecord.entered_by_id, 0),
        account.id == colleague.user_id, account.active.is_(True), has_role(UNIT_ADMIN, colleague),
    )


def for_province() -> ColumnElement[bool]:
    """SQL: records nobody in their own unit may decide, so only the province can."""
    return ~_unit_colleague()


def unit_reviewers(record: CreditRecord) -> list[str]:
    """The names of the admins of the record's unit who may decide it; empty: the province decides."""
    return list(db.session.scalars(
        select(Person.name).join(User, User.id == Person.user_id)
        .where(Person.unit_id == record.unit_id, Person.id != record.person_id, User.active.is_(True),
               Person.user_id != func.coalesce(record.entered_by_id, 0), has_role(UNIT_ADMIN))
        .order_by(Person.name)))
