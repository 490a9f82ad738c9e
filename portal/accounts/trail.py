"""审计日志查询: the one audit trail searched by who, what, when and which object. The province
searches all of it; a unit admin their unit's events and their unit's records' changes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.accounts.roles import LEARNER, OUT_OF_PROVINCE, PROJECT_ADMIN, PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.extensions import db
from portal.models import AuditEntry, CreditRecord, Unit

ACTIONS = {
    "create": _l("Record entered"), "edit": _l("Record edited"), "submit": _l("Record submitted"),
    "approve": _l("Record approved"), "reject": _l("Record returned"), "delete": _l("Record deleted"),
    "withdraw": _l("Record withdrawn"), "proxy_create": _l("Record entered on the person's behalf"),
    "evidence_add": _l("Evidence added"), "evidence_remove": _l("Evidence removed"),
    audit.SIGN_IN: _l("Signed in"), audit.SIGN_IN_FAILED: _l("Sign-in failed"), audit.SIGN_OUT: _l("Signed out"),
    audit.PASSWORD_CHANGE: _l("Password changed"), audit.PASSWORD_RESET: _l("Password reset"),
    audit.PASSWORD_RECOVERY: _l("Password recovered by SMS"), audit.ROLE_CHANGE: _l("Roles changed"),
    audit.SELF_ENTRY_GRANT: _l("Self-entry granted"), audit.SELF_ENTRY_REVOKE: _l("Self-entry revoked"),
    audit.STAFF_IMPORT: _l("Staff imported"), audit.TRANSFER_REQUEST: _l("Transfer asked for"),
    audit.TRANSFER_APPROVE: _l("Transfer approved"), audit.TRANSFER_REFUSE: _l("Transfer refused"),
    audit.TRANSFER_WITHDRAW: _l("Transfer withdrawn"), audit.CERTIFICATE_REVOKE: _l("Certificate revoked"),
    audit.REMINDERS_SENT: _l("Reminders sent"), audit.DICTIONARY_CHANGE: _l("Dictionary edited"),
    audit.REVIEW_BATCH: _l("Whole selection approved"),
    audit.CREDENTIAL_KEY_ROTATE: _l("Credential signing key rotated"),
    audit.PROJECT_ADMIN_GRANT: _l("Project admin granted"), audit.PROJECT_ADMIN_REVOKE: _l("Project admin revoked"),
    audit.ACTIVITY_SAVE: _l("Activity saved"), audit.ACTIVITY_CLOSE: _l("Activity closed"),
    audit.FACE_ENROLL: _l("Face enrolled"), audit.FACE_WITHDRAW: _l("Face enrollment withdrawn"),
    audit.FACE_RESET: _l("Face enrollment reset"),
    audit.EVALUATION_FORM_EDIT: _l("Default evaluation form edited"), audit.EVALUATION_ATTACH: _l("Evaluation attached"),
    audit.EXAM_SAVE: _l("Exam settings saved"), audit.QUESTIONS_SAVE: _l("Exam questions saved"),
    "grant": _l("Record granted by attendance"),
    audit.PERSONAL_DATA_REVEAL: _l("Personal data revealed"),
    audit.RULE_SET_CHANGE: _l("Compliance standard changed"), audit.YEAR_REJUDGE: _l("Year re-judged"),
    audit.TALLIES_RECOUNT: _l("Provincial figures computed again"),
    audit.FAILING_EXPORT: _l("Staff not compliant exported"),
}


@dataclass(frozen=True)
class Search:
    who: str = ""          # part of the acting account's username
    action: str = ""       # one of ACTIONS
    first: dt.date | None = None
    last: dt.date | None = None
    record_id: int | None = None


def visible(actor: Actor) -> Select:
    """The audit rows the actor may read (nothing for a learner: their record's page shows its history)."""
    query = select(AuditEntry)
    if actor.is_province_admin:
        return query
    if actor.is_unit_admin:
        unit_records = select(CreditRecord.id).where(CreditRecord.unit_id == actor.unit_id)
        return query.where(or_(AuditEntry.unit_id == actor.unit_id, AuditEntry.record_id.in_(unit_records)))
    return query.where(False)


def search(actor: Actor, wanted: Search) -> Select:
    query = visible(actor)
    if wanted.who.strip():
        query = query.where(AuditEntry.user_id.in_(select(User.id).where(User.username.contains(wanted.who.strip()))))
    if wanted.action in ACTIONS:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.first:
        query = query.where(AuditEntry.at >= dt.datetime.combine(wanted.first, dt.time()))
    if wanted.last:
        query = query.where(AuditEntry.at < dt.datetime.combine(wanted.last + dt.timedelta(days=1), dt.time()))
    if wanted.record_id:
        query = query.where(AuditEntry.record_id == wanted.record_id)
    return query


def unit_names(entries: list[AuditEntry]) -> dict[int, str]:
    """The names of the units transfers in the rows name."""
    ids = {(e.after or {}).get(k) for e in entries for k in ("from_unit_id", "to_unit_id")} - {None}
    return dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def accounts_of(entries: list[AuditEntry]) -> dict[int, User]:
    """The accounts the rows name, acting or acted on, by id."""
    ids = ({e.user_id for e in entries} | {e.target_user_id for e in entries}) - {None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


ROLE_LABELS = {PROVINCE_ADMIN: _l("Provincial admin"), UNIT_ADMIN: _l("Unit admin"), LEARNER: _l("Learner"),
               SELF_ENTRY: _l("Credit self-entry"), OUT_OF_PROVINCE: _l("Out-of-province"),
               PROJECT_ADMIN: _l("Project admin")}
FAILURES = {"password": _l("wrong password"), "slowed": _l("slowed after failures"), "sms_only": _l("signs in by SMS"),
            "inactive": _l("account deactivated"), "unknown": _l("no such account"), "sms_code": _l("wrong SMS code")}
CHANGES = {"add": _l("added"), "edit": _l("edited"), "delete": _l("deleted")}
REVEALED = {"id_number": _l("ID number"), "mobile": _l("Mobile"), "phone": _l("Telephone")}
RULE_SET_CHANGES = {**CHANGES, "enable": _l("enabled"), "disable": _l("disabled")}


def describe(entry: AuditEntry, unit_names: dict[int, str]) -> str:
    """The row's details in words (a record's changes are on the record's page)."""
    after, before = entry.after or {}, entry.before or {}
    if entry.record_id:
        return ""
    if entry.action in (audit.ROLE_CHANGE, audit.SELF_ENTRY_GRANT, audit.SELF_ENTRY_REVOKE, audit.PROJECT_ADMIN_GRANT,
                        audit.PROJECT_ADMIN_REVOKE):
        return f"{_roles(before.get('roles', []))} → {_roles(after.get('roles', []))}"
    if entry.action == audit.SIGN_IN_FAILED:
        return str(FAILURES.get(after.get("reason"), ""))
    if entry.action == audit.STAFF_IMPORT:
        return str(_l("%(n)d people", n=after.get("created", 0)))
    if entry.action in (audit.TRANSFER_REQUEST, audit.TRANSFER_APPROVE, audit.TRANSFER_REFUSE, audit.TRANSFER_WITHDRAW):
        text = str(_l("%(from)s → %(to)s", **{"from": unit_names.get(after.get("from_unit_id"), "—"),
                                              "to": unit_names.get(after.get("to_unit_id"), "—")}))
        return f"{text}；{after['reason']}" if after.get("reason") else text
    if entry.action == audit.CERTIFICATE_REVOKE:
        return f"{after.get('number', '')}；{after.get('reason', '')}"
    if entry.action == audit.REMINDERS_SENT:
        return str(_l("%(year)s: %(n)d people", year=after.get("year", ""), n=after.get("people", 0)))
    if entry.action == audit.DICTIONARY_CHANGE:
        return f"{CHANGES.get(after.get('change'), '')} {after.get('name', '')}（{after.get('code', '')}）"
    if entry.action == audit.REVIEW_BATCH:
        return str(_l("%(approved)d approved, %(skipped)d skipped", approved=after.get("approved", 0),
                      skipped=after.get("changed", 0) + after.get("decided", 0) + after.get("not_allowed", 0)))
    if entry.action in (audit.ACTIVITY_SAVE, audit.ACTIVITY_CLOSE, audit.EVALUATION_ATTACH, audit.EXAM_SAVE,
                        audit.QUESTIONS_SAVE):
        text = f"{after.get('number', '')} {after.get('name', '')}".strip()
        return f"{text}；{_l('%(n)d records granted', n=after['granted'])}" if "granted" in after else text
    if entry.action == audit.PERSONAL_DATA_REVEAL:
        return str(REVEALED.get(after.get("field"), ""))
    if entry.action == audit.RULE_SET_CHANGE:
        text = f"{RULE_SET_CHANGES.get(after.get('change'), '')} {after.get('name', '')}"
        if after.get("version"):
            text += str(_l("; version %(n)d from %(date)s", n=after["version"], date=after.get("effective_from", "")))
        return text
    if entry.action == audit.FAILING_EXPORT:
        return str(after.get("year", ""))
    if entry.action == audit.TALLIES_RECOUNT:
        return "、".join(str(year) for year in after.get("years", ()))
    if entry.action == audit.YEAR_REJUDGE:
        return str(_l("%(year)s: %(n)d of %(people)d people's verdict changed; %(versions)s", year=after.get("year", ""),
                      n=after.get("changed", 0), people=after.get("people", 0),
                      versions="、".join(after.get("versions", ()))))
    return ""


def _roles(names: list[str]) -> str:
    return "、".join(str(ROLE_LABELS.get(n, n)) for n in names) or "—"
