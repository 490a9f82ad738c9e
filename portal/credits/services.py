"""Credit records, the code that writes them: scoring an entry through its category's credit
type, the workflow draft → submitted (rejected → edited → submitted again; the decision is
portal.review's), optimistic locking, and who may see and change what. Every change writes an
audit row."""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache, partial
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from portal import events
from portal.accounts.actor import Actor
from portal.categories import services as categories
from portal.contracts import DEEMS_YEARS_AFTER, Common, CreditType, Period, ScoringContext, to_json
from portal.credits import audit
from portal.dictionaries.services import level_classes
from portal.extensions import commit_keeping_state, db
from portal.models import CreditCategory, CreditRecord, Person
from portal.models.clock import now
from portal.request_memo import per_request

EDITABLE = ("draft", "rejected")
# Records taken back by their owner: the rows stay for their audit trail, out of every list and total.
GONE = ("deleted", "withdrawn")
# The contract's common fields, and whether the record was entered by the person (个人活动).
COMMON_FIELDS = (*(f.name for f in fields(Common)), "activity_type")


class RecordInvalid(ValueError):
    """The entry cannot be scored; ``errors`` maps field names to messages for the learner."""

    def __init__(self, errors: Mapping[str, list[str]]):
        # Messages may be lazy strings (validators' messages): as text, so that they join and serialise.
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


class RecordConflict(RuntimeError):
    """Someone else changed the record since it was read (answer 409), or its status forbids this."""


class PossibleDuplicate(RuntimeError):
    """The entry matches a record the person already has (``record_id``); saved only once confirmed."""

    def __init__(self, record_id: int):
        self.record_id = record_id
        super().__init__(_("This looks like record #%(id)d you entered already (same category, date and name or "
                           "project number). Save it anyway only if it is a different activity.", id=record_id))


# --- who sees what -------------------------------------------------------------------------------

def visible(actor: Actor) -> Select:
    """Records the actor may see: their own; their unit's for a unit admin; all for the province."""
    query = select(CreditRecord).where(CreditRecord.status.notin_(GONE))
    if actor.is_province_admin:
        return query
    if actor.person is None:
        return query.where(False)
    if actor.is_unit_admin:
        return query.where((CreditRecord.unit_id == actor.unit_id) | (CreditRecord.person_id == actor.person.id))
    return query.where(CreditRecord.person_id == actor.person.id)


@cache
def own() -> Select:
    """The records of the person bound as ``person_id``, which are theirs to see whatever their
    roles (``visible`` of any actor, narrowed to their own person): built once, for the pages a
    learner opens most."""
    return select(CreditRecord).where(CreditRecord.status.notin_(GONE), CreditRecord.person_id == bindparam("person_id"))


def get(actor: Actor, record_id: int) -> CreditRecord:
    record = db.session.scalar(visible(actor).where(CreditRecord.id == record_id))
    if record is None:
        abort(404)
    return record


def get_many(actor: Actor, record_ids: list[int]) -> list[CreditRecord]:
    """The records of ``record_ids`` in that order, with their evidence, in one query; a 404 when
    any of them is not the actor's to see (an id given twice is one record)."""
    record_ids = list(dict.fromkeys(record_ids))
    found = {r.id: r for r in db.session.scalars(visible(actor).where(CreditRecord.id.in_(record_ids))
                                                  .options(selectinload(CreditRecord.evidence)))}
    if not set(record_ids) <= found.keys():
        abort(404)
    return [found[i] for i in record_ids]


def get_own(actor: Actor, record_id: int) -> CreditRecord:
    """A record of the actor's own, or one they entered for someone (代录), to edit, submit or
    delete; anyone else's is a 404."""
    record = get(actor, record_id)
    if not (actor.is_person(record.person_id) or entered_by(actor, record)):
        abort(404)
    return record


def entered_by(actor: Actor, record: CreditRecord) -> bool:
    """Whether ``actor`` entered ``record`` on its person's behalf (代录)."""
    return record.entered_by_id is not None and record.entered_by_id == actor.user.id


def may_enter_for(actor: Actor, person: Person) -> bool:
    """Whether ``actor`` may enter credits on ``person``'s behalf: a unit admin for the unit's
    staff, the provincial admin for anyone (an out-of-province learner included)."""
    if actor.is_person(person.id):
        return False
    return actor.is_province_admin or (actor.is_unit_admin and person.unit_id == actor.unit_id)


# --- scoring -------------------------------------------------------------------------------------

@dataclass
class Scored:
    fields: dict[str, Any]
    params: dict[str, Any]
    credits: Any
    hours: Any
    credit_class: str
    deems_compliant: bool
    deems_years: list[int]
    note: str


def rule_fields(category: CreditCategory, rule_key: str) -> dict[str, Any]:
    """The fields a wizard rule of the category fixes (none for no rule, or an unknown one)."""
    credit_type = categories.credit_type(category)
    if not rule_key or credit_type is None:
        return {}
    rules = (r for g in credit_type.wizard(credit_type.params(category.params)) for r in g.rules)
    return dict(next((r.fields for r in rules if r.key == rule_key), {}))


def common_fields(values: Mapping[str, Any] | CreditRecord) -> Common:
    """The contract's common fields of an entry (a mapping) or of a stored record."""
    read = values.get if isinstance(values, Mapping) else partial(getattr, values)
    found = {f.name: read(f.name) for f in fields(Common)}
    return Common(**{name: value for name, value in found.items() if value is not None})


def _same_activity(record, other) -> ColumnElement[bool]:
    """``other`` (a live record) is the same activity as ``record``: same person, category and
    date, and the same name or the same project number; a correction and the record it
    corrects are the same activity on purpose."""
    return and_(other.person_id == record.person_id, other.category_id == record.category_id,
                other.activity_date == record.activity_date, other.credit_year == record.credit_year,
                other.id != record.id, other.status.notin_(GONE),
                or_(other.activity_name == record.activity_name,
                    and_(record.activity_number != "", other.activity_number == record.activity_number)),
                or_(record.corrects_id.is_(None), other.id != record.corrects_id),
                or_(other.corrects_id.is_(None), other.corrects_id != record.id))


def duplicates_of(records: list[CreditRecord]) -> dict[int, int]:
    """For each record (by id) that may duplicate another of its person's, the other's id (the oldest)."""
    if not records:
        return {}
    # Both sides in the records' years' partitions alone.
    years = sorted({r.credit_year for r in records})
    return dict(db.session.execute(_duplicates_statement(), {"ids": [r.id for r in records], "years": years}).all())


@cache
def _duplicates_statement() -> Select:
    """duplicates_of's query, built once: an alias of the record is adapted column by column as a
    statement uses it, which cost each submission and review page milliseconds."""
    other, years = aliased(CreditRecord), bindparam("years", expanding=True)
    return (select(CreditRecord.id, func.min(other.id)).join(other, _same_activity(CreditRecord, other))
            .where(CreditRecord.id.in_(bindparam("ids", expanding=True)), CreditRecord.credit_year.in_(years),
                   other.credit_year.in_(years)).group_by(CreditRecord.id))


def _identity(snapshot: Mapping[str, Any]) -> tuple:
    """What makes two records the same activity (an edit that keeps it is not asked again)."""
    return tuple(snapshot.get(name) for name in ("category_id", "activity_date", "activity_name", "activity_number"))


def _refuse_duplicate(record: CreditRecord, confirmed: bool) -> None:
    """PossibleDuplicate unless ``confirmed`` or the (flushed) record matches nothing of its person's."""
    if not confirmed and (found := duplicates_of([record])):
        raise PossibleDuplicate(found[record.id])


def period(record: CreditRecord) -> Period:
    """The record's first and last day, as its credit type states them."""
    credit_type = categories.credit_type(record.category) or CreditType()
    return credit_type.period(common_fields(record), record.fields or {})


def score(category: CreditCategory, raw_fields: Mapping[str, Any], common: Mapping[str, Any],
          wizard_rule: str = "", common_errors: Mapping[str, list[str]] | None = None) -> Scored:
    """Validate the type's fields (those the wizard rule fixes included) and score them with the
    category's current parameters. ``common_errors`` (what the caller found wrong with the
    common fields) are raised together with the type's, so that one answer names every problem."""
    known = dict(common_errors or {})
    credit_type = categories.credit_type(category)
    if credit_type is None:
        raise RecordInvalid({"category_id": [_("This category's credit type is not installed.")], **known})
    params = credit_type.params(category.params)
    values = dict(raw_fields)
    if wizard_rule:
        rule = next((r for g in credit_type.wizard(params) for r in g.rules if r.key == wizard_rule), None)
        if rule is None:
            raise RecordInvalid({"wizard_rule": [_("Choose a rule of this category.")], **known})
        labels = {name: f.label.text for name, f in credit_type.Fields()._fields.items()}
        # A value the rule fixes, sent as something else, is a contradiction, not a detail to overwrite.
        contradicted = {name: [_("%(field)s %(given)s contradicts the choice “%(rule)s”, which fixes it at %(fixed)s; "
                                 "send the value of the choice, or choose another.", field=labels.get(name, name),
                                 given=values[name], rule=rule.name, fixed=fixed)]
                        for name, fixed in rule.fields.items()
                        if values.get(name) not in (None, "") and str(values[name]) != str(fixed)}
        if contradicted:
            raise RecordInvalid({**contradicted, **known})
        values.update(rule.fields)
    form = credit_type.Fields(formdata=MultiDict({k: "" if v is None else str(v) for k, v in values.items()}))
    if not form.validate():
        raise RecordInvalid({**form.errors, **known})
    errors = {**credit_type.validate(form.data, params), **known}
    if errors:
        raise RecordInvalid(errors)
    context = ScoringContext(common=common_fields(common), level_classes=level_classes())
    result = credit_type.score(form.data, params, context)
    day = context.common.activity_date
    if day is not None and any(not 0 <= year - day.year <= DEEMS_YEARS_AFTER for year in result.deems_years):
        raise ValueError(f"{category.type_slug} deems {result.deems_years} from {day}: beyond DEEMS_YEARS_AFTER")
    return Scored(fields=to_json(form.data), params=to_json(params), credits=result.credits, hours=result.hours,
                  credit_class=result.credit_class or category.credit_class,
                  deems_compliant=result.deems_compliant, deems_years=list(result.deems_years), note=str(result.note))


def _apply(record: CreditRecord, category: CreditCategory, common: Mapping[str, Any], scored: Scored,
           wizard_rule: str) -> None:
    for name in COMMON_FIELDS:
        if name in common:
            setattr(record, name, common[name] if common[name] is not None else getattr(record, name))
    record.category_id, record.type_slug = category.id, category.type_slug
    record.fields, record.params, record.wizard_rule = scored.fields, scored.params, wizard_rule or ""
    record.credits, record.hours, record.credit_class = scored.credits, scored.hours, scored.credit_class
    record.deems_compliant, record.deems_years, record.score_note = (scored.deems_compliant, scored.deems_years,
                                                                     scored.note)


# --- the workflow --------------------------------------------------------------------------------

def create(actor: Actor, category: CreditCategory, common: Mapping[str, Any], raw_fields: Mapping[str, Any],
           wizard_rule: str = "", corrects: CreditRecord | None = None,
           common_errors: Mapping[str, list[str]] | None = None, duplicate_confirmed: bool = False,
           person: Person | None = None) -> CreditRecord:
    """A new draft of the actor's own, or of ``person`` entered on their behalf (代录: marked as
    entered by the actor, who may then not approve it), scored now (see :func:`score` for
    ``common_errors``). It is part of the caller's transaction (its evidence, its submission):
    the caller commits, or rolls back on PossibleDuplicate (unless ``duplicate_confirmed``)."""
    proxy = person is not None and not actor.is_person(person.id)
    if proxy and not may_enter_for(actor, person):
        abort(404)
    subject = person if proxy else actor.person
    if subject is None:
        abort(404)
    scored = score(category, raw_fields, common, wizard_rule, common_errors)
    record = CreditRecord(person_id=subject.id, unit_id=subject.unit_id, status="draft",
                          corrects_id=corrects.id if corrects else None, corrects_year=corrects.credit_year if corrects else None,
                          entered_by_id=actor.user.id if proxy else None)
    _apply(record, category, common, scored, wizard_rule)
    db.session.add(record)
    db.session.flush()
    if corrects is None:  # a correction is the same activity on purpose
        _refuse_duplicate(record, duplicate_confirmed)
    audit.write(record, actor, "proxy_create" if proxy else "create", None, audit.snapshot(record))
    return record


def correct(actor: Actor, record: CreditRecord) -> CreditRecord:
    """A correction of an approved record: a new draft with the same content, pointing to it.
    The approved record itself never changes."""
    if record.status != "approved":
        raise RecordConflict(_("Only an approved record is corrected this way; edit a draft or a rejected one directly."))
    common = {name: getattr(record, name) for name in COMMON_FIELDS}
    correction = create(actor, record.category, common, record.fields, record.wizard_rule, corrects=record,
                        person=record.person)
    db.session.commit()
    return correction


def update(actor: Actor, record: CreditRecord, version: int, category: CreditCategory,
           common: Mapping[str, Any], raw_fields: Mapping[str, Any], wizard_rule: str = "",
           common_errors: Mapping[str, list[str]] | None = None, duplicate_confirmed: bool = False) -> CreditRecord:
    """Edit a draft or a rejected record of the actor's own; an approved one never changes.
    PossibleDuplicate (nothing saved) when the edit makes it match another record, unless confirmed."""
    expect(record, version, EDITABLE)
    scored = score(category, raw_fields, common, wizard_rule, common_errors)
    with saving():
        before = audit.snapshot(record)
        _apply(record, category, common, scored, wizard_rule)
        db.session.flush()
        if record.corrects_id is None and _identity(before) != _identity(audit.snapshot(record)):
            try:
                _refuse_duplicate(record, duplicate_confirmed)
            except PossibleDuplicate:
                db.session.rollback()
                raise
        audit.write(record, actor, "edit", before, audit.snapshot(record))
    return record


def submit(actor: Actor, records: list[CreditRecord]) -> list[CreditRecord]:
    """Submit drafts and rejected records for review. Submitting one already submitted (a double
    click, a retry) changes nothing, so it stays one submission."""
    changed = []
    for record in records:
        if record.status == "submitted":
            continue
        expect(record, record.version, EDITABLE)
        credit_type = categories.credit_type(record.category)
        if credit_type is not None and credit_type.evidence.required and not record.evidence:
            raise RecordInvalid({"evidence": [_("Add at least one evidence file before submitting \"%(name)s\".",
                                                name=record.activity_name)]})
        changed.append(record)
    with saving():
        for record in changed:
            before = audit.snapshot(record)
            record.status, record.submitted_at = "submitted", now()
            audit.write(record, actor, "submit", before, audit.snapshot(record))
    for record in changed:
        events.credit_submitted(record, actor)
    return changed


def delete(actor: Actor, record: CreditRecord, version: int) -> None:
    """Take a draft or a rejected record out of every list and total; the row and its trail stay."""
    _take_back(actor, record, version, EDITABLE, "delete", "deleted")


def withdraw(actor: Actor, record: CreditRecord, version: int) -> None:
    """撤回: take a submitted record back before anyone reviews it; the row and its trail stay."""
    _take_back(actor, record, version, ("submitted",), "withdraw", "withdrawn")


def _take_back(actor: Actor, record: CreditRecord, version: int, statuses: tuple[str, ...], action: str,
               status: str) -> None:
    expect(record, version, statuses)
    with saving():
        before = audit.snapshot(record)
        record.status = status
        audit.write(record, actor, action, before, audit.snapshot(record))


def expect(record: CreditRecord, version: int, statuses: tuple[str, ...]) -> None:
    """A conflict unless the record is still at ``version`` and in one of ``statuses``."""
    if record.version != version:
        raise RecordConflict(_("This record was changed meanwhile; reload it and try again."))
    if record.status not in statuses:
        raise RecordConflict(_("A record that is %(status)s cannot be changed.", status=status_label(record.status)))


@contextmanager
def saving():
    """Make the changes of the block and commit them; a record that another request changed in
    the database meanwhile (its version moved on) makes it a conflict, with nothing saved. The
    records keep what was just written, not expired by the commit: what follows in the request
    (the learners' notices of twenty decisions, the page it redirects to) would otherwise read each
    one again."""
    try:
        yield
        commit_keeping_state()
    except StaleDataError:
        db.session.rollback()
        raise RecordConflict(_("This record was changed meanwhile; reload it and try again.")) from None


STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Awaiting review"), "approved": _l("Approved"),
                 "rejected": _l("Rejected"), "deleted": _l("Deleted"), "withdrawn": _l("Withdrawn")}


@per_request
def status_label(status: str) -> str:
    # A list page asks once a row: each label is translated once a request.
    return str(STATUS_LABELS[status]) if status in STATUS_LABELS else status
