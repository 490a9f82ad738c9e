"""The audit trail of a record: every create, edit, transition and file change, with who did
it, in which role, and the record's values before and after."""
from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import insert, select

from portal.accounts.actor import Actor
from portal.contracts import to_json
from portal.extensions import db
from portal.models import AuditEntry, CreditRecord

SNAPSHOT = (
    "status", "category_id", "activity_name", "activity_number", "activity_date", "credit_level",
    "hosting_method", "discipline", "sub_discipline", "issuing_unit_id", "issuer_name", "remarks", "fields",
    "wizard_rule", "credits", "hours", "credit_class", "review_comment",
)


def snapshot(record: CreditRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in SNAPSHOT}
    values["activity_date"] = record.activity_date.isoformat() if record.activity_date else None
    values["evidence"] = [e.original_name for e in record.evidence]
    return to_json(values)


def write(record: CreditRecord, actor: Actor, action: str, before: dict[str, Any] | None,
          after: dict[str, Any] | None) -> None:
    """Add an audit row (flushed with the change it describes, in the same transaction)."""
    db.session.add(AuditEntry(record_id=record.id, user_id=actor.user.id, role=actor.api_role, action=action,
                              before=before, after=after))


# A record with its values before and after.
Change = tuple[CreditRecord, dict[str, Any] | None, dict[str, Any] | None]


def write_all(actor: Actor, action: str, changes: list[Change]) -> None:
    """An audit row for each (record, before, after) of one action on many records (a decision on a
    page of them), in one INSERT of them all and in the same transaction."""
    db.session.execute(insert(AuditEntry), [
        {"record_id": record.id, "user_id": actor.user.id, "role": actor.api_role, "action": action, "before": before,
         "after": after} for record, before, after in changes])


def trail(record: CreditRecord) -> tuple[list[AuditEntry], dict[int, User]]:
    """The record's audit rows in order, and the accounts that made them (by id)."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({e.user_id for e in entries})))}
    return list(entries), users
