"""Reading a credit-entry form (the page's common fields, the type's own fields and the
uploads) and saving it, for the free form, the wizard and editing alike."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import Form

from portal.accounts.actor import Actor
from portal.categories import services as categories
from portal.contracts import CreditType
from portal.credits import attachments, history, services
from portal.credits.forms import CommonFields
from portal.credits.services import PossibleDuplicate, RecordConflict, RecordInvalid
from portal.evidence import EvidenceRejected, StorageFull
from portal.extensions import commit_keeping_state, db
from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person

TYPE_PREFIX = "f-"


@dataclass
class EntryForm:
    category: CreditCategory
    credit_type: CreditType
    common: CommonFields
    fields: Form
    rule: Any = None  # the wizard rule, when the entry comes from the wizard
    pending: list[EvidenceFile] = field(default_factory=list)
    upload_errors: list[str] = field(default_factory=list)
    form_errors: list[str] = field(default_factory=list)
    duplicate: services.PossibleDuplicate | None = None  # to confirm before the record is saved
    group_index: int | None = None  # the wizard group (具体名称) of the rule, for the step chips
    preview: services.Scored | None = None  # the wizard's confirm step: what saving would store

    @property
    def fixed(self) -> set[str]:
        """Type fields the wizard rule fixes (shown, not asked)."""
        return set(self.rule.fields) if self.rule else set()

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Every error of the form, for the red summary at its top: (field id or "", label, message)."""
        found = [(f.id, str(f.label.text), str(m)) for form in (self.common, self.fields)
                 for f in form if f.name != "csrf_token" for m in f.errors]
        found += [("evidence", _("Evidence"), m) for m in self.upload_errors]
        return found + [("", "", m) for m in self.form_errors]

    def fixed_value(self, name: str) -> str:
        """What the wizard rule fixes a type field to, in words."""
        return history.shown(self.fields._fields.get(name), self.rule.fields[name])


def build(common_class: type[CommonFields], category: CreditCategory, record: CreditRecord | None,
          rule_key: str = "") -> EntryForm:
    credit_type = categories.credit_type(category)
    rule, group_index = None, None
    if rule_key:
        rule, group_index = next(((r, n) for n, g in enumerate(categories.wizard(category)) for r in g.rules
                                  if r.key == rule_key), (None, None))
    common = common_class(obj=record if request.method == "GET" else None)
    if request.method == "POST":
        formdata = request.form
    elif record is not None:  # stored values (JSON) read back as the form would send them
        formdata = MultiDict({TYPE_PREFIX + k: "" if v is None else str(v) for k, v in record.fields.items()})
    else:
        formdata = None
    fields = credit_type.Fields(formdata=formdata, prefix=TYPE_PREFIX)
    return EntryForm(category=category, credit_type=credit_type, common=common, fields=fields, rule=rule,
                     group_index=group_index)


def save(actor: Actor, entry: EntryForm, record: CreditRecord | None, submit: bool,
         person: Person | None = None) -> tuple[CreditRecord | None, str]:
    """Store the uploads first (so none is lost), then create or update the record (a new one for
    ``person`` when an admin enters it on their behalf), attach them and, when asked, submit it,
    in one transaction: a fault on the way leaves no new draft behind an error page. Returns the
    record (None when the form must come back with errors) and why it stays a draft when it
    could not be submitted."""
    owner = record.person_id if record is not None else person.id if person is not None else None
    entry.pending = attachments.pending(actor, [int(i) for i in request.form.getlist("pending") if i.isdigit()], owner)
    already = len(entry.pending) + (len(record.evidence) if record is not None else 0)
    for upload in request.files.getlist("evidence"):
        if not upload or not upload.filename:
            continue
        try:
            entry.pending.append(attachments.add(actor, entry.credit_type.evidence, upload.filename, upload.read(),
                                                 None, already, owner))
            already += 1
        except EvidenceRejected as e:
            entry.upload_errors.append(str(e))
        except StorageFull as e:
            entry.upload_errors.append(e.message())
    # Kept as read: the category, the person and the account this request has read stay what the
    # record is made from, not read again for it.
    commit_keeping_state()
    common_valid = entry.common.validate()
    common = {name: f.data for name, f in entry.common._fields.items() if name != "csrf_token"}
    raw = {name: request.form.get(TYPE_PREFIX + name, "") for name in entry.fields._fields}
    rule_key = entry.rule.key if entry.rule else ""
    if not common_valid or entry.upload_errors:
        # The credit type's checks too, so that every error comes in this one answer.
        try:
            services.score(entry.category, raw, common, rule_key, common_errors=entry.common.errors)
            entry.fields.validate()
        except RecordInvalid as e:
            _show(entry, e.errors)
        return None, ""
    if request.form.get("action") == "confirm":  # the wizard's confirm step: score, show, save nothing
        try:
            entry.preview = services.score(entry.category, raw, common, rule_key)
        except RecordInvalid as e:
            _show(entry, e.errors)
        return None, ""
    confirmed = request.form.get("confirm_duplicate") == "1"
    try:
        if record is None:
            record = services.create(actor, entry.category, common, raw, rule_key, duplicate_confirmed=confirmed,
                                     person=person)
        else:
            services.update(actor, record, request.form.get("version", type=int), entry.category, common, raw, rule_key,
                            duplicate_confirmed=confirmed)
        attachments.attach(actor, record, entry.pending)
    except PossibleDuplicate as e:
        db.session.rollback()
        entry.duplicate = e
        entry.fields.validate()
        return None, ""
    except RecordInvalid as e:
        db.session.rollback()
        _show(entry, e.errors)
        return None, ""
    except RecordConflict as e:
        db.session.rollback()
        entry.form_errors.append(str(e))
        return None, ""
    entry.pending = []
    problem = _submitted(actor, record) if submit else ""
    # The redirect and the form's one-time token are made of the record just written: kept, not read again.
    commit_keeping_state()
    return record, problem


def _submitted(actor: Actor, record: CreditRecord) -> str:
    """Submit the record with the rest of the transaction; why it stays a draft, if it does (the
    draft itself is still saved)."""
    try:
        services.submit(actor, [record])
    except (RecordInvalid, RecordConflict) as e:
        return _("Saved as a draft but not submitted: %(reason)s", reason=str(e))
    return ""


def _show(entry: EntryForm, errors: dict[str, list[str]]) -> None:
    entry.fields.validate()
    for name, messages in errors.items():
        target = entry.fields._fields.get(name) or entry.common._fields.get(name)
        if target is not None:
            target.errors = [*dict.fromkeys([*target.errors, *messages])]
        else:
            entry.form_errors.extend(messages)
