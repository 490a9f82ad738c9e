"""A record's fields and its audit trail in words, for its page: dictionary codes, statuses,
classes, the issuing body and the credit type's choices shown by name (状态：草稿 → 已上报;
证明材料：新增 evidence.png), never as stored."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import Form, SelectField

from portal.contracts import CLASS_LABELS, CreditType
from portal.credits.services import status_label
from portal.dictionaries.services import names
from portal.extensions import db
from portal.models import AuditEntry, CreditCategory, CreditRecord, Unit

EMPTY = "—"


class Wording:
    """How one record's stored values read, its credit type's fields included."""

    def __init__(self, credit_type: CreditType | None):
        self.levels, self.methods = names("credit_levels"), names("hosting_methods")
        self.disciplines = names("disciplines")
        self.type_fields: Form | None = credit_type.Fields() if credit_type else None
        self.labels = {
            "status": _("Review status"), "category_id": _("Credit category"), "activity_name": _("Activity name"),
            "activity_number": _("Activity number"), "activity_date": _("Activity date"),
            "credit_level": _("Credit level"), "hosting_method": _("Hosting method"), "discipline": _("Discipline"),
            "sub_discipline": _("Sub-discipline"), "issuing_unit_id": _("Issuing body"), "issuer_name": _("Issuing body"),
            "remarks": _("Remarks"),
            "credits": _("Credits"), "hours": _("Hours"),
            "credit_class": _("Credit class"), "review_comment": _("Review comment"), "evidence": _("Evidence"),
        }
        self._readers: dict[str, Callable[[Any], str]] = {
            "status": status_label, "credit_level": lambda v: self.levels.get(v, v),
            "hosting_method": lambda v: self.methods.get(v, v), "discipline": lambda v: self.disciplines.get(v, v),
            "sub_discipline": lambda v: self.disciplines.get(v, v),
            "credit_class": lambda v: str(CLASS_LABELS.get(v, v)),
            "category_id": lambda v: _name(CreditCategory, v), "issuing_unit_id": lambda v: _name(Unit, v),
        }

    def value(self, name: str, value: Any) -> str:
        if value in (None, ""):
            return EMPTY
        reader = self._readers.get(name)
        return reader(value) if reader else str(value)

    def type_value(self, name: str, value: Any) -> str:
        return shown(self.type_fields._fields.get(name) if self.type_fields else None, value)

    def type_label(self, name: str) -> str:
        field = self.type_fields._fields.get(name) if self.type_fields else None
        return str(field.label.text) if field is not None else name

    def fields(self, record: CreditRecord) -> list[tuple[str, str]]:
        """Every field the learner entered (or the wizard fixed), labelled, as the page lists them."""
        shown = [(self.labels[name], self.value(name, getattr(record, name))) if name != "credit_level"
                 else (self.labels[name], level_name(record.credit_level, record.wizard_rule, record.category.name,
                                                     self.levels) or EMPTY)
                 for name in ("category_id", "activity_date", "activity_name", "activity_number", "credit_level",
                              "hosting_method", "discipline", "sub_discipline")]
        shown.append((self.labels["issuing_unit_id"], record.issuer or EMPTY))
        shown += [(self.type_label(name), self.type_value(name, value)) for name, value in (record.fields or {}).items()
                  if name not in ("credits", "hours")]
        shown += [(self.labels["credits"], str(record.credits)), (self.labels["hours"], str(record.hours)),
                  (self.labels["credit_class"], self.value("credit_class", record.credit_class)),
                  (self.labels["remarks"], self.value("remarks", record.remarks))]
        return shown

    def changes(self, entry: AuditEntry) -> list[str]:
        """What an audit row changed, a sentence a field."""
        before, after = entry.before or {}, entry.after or {}
        if not before or not after:
            return []
        said = []
        for name, value in after.items():
            old = before.get(name)
            if old == value:
                continue
            if name == "evidence":
                added = [f for f in value or [] if f not in (old or [])]
                removed = [f for f in old or [] if f not in (value or [])]
                parts = ([_("added %(files)s", files="、".join(added))] if added else []) + \
                        ([_("removed %(files)s", files="、".join(removed))] if removed else [])
                said.append(f"{self.labels['evidence']}：{'；'.join(parts)}")
            elif name == "fields":
                said += _field_changes(old or {}, value or {}, self)
            elif name in self.labels:
                said.append(f"{self.labels[name]}：{self.value(name, old)} → {self.value(name, value)}")
        return said


def shown(field: Any, value: Any) -> str:
    """A credit-type field's value as the learner reads it: a choice by its label (参加人员, not attendee)."""
    if isinstance(field, SelectField):
        return next((str(label) for code, label in field.choices if str(code) == str(value)), str(value))
    return EMPTY if value in (None, "") else str(value)


def level_name(code: str, wizard_rule: str, category_name: str, levels: Mapping[str, str]) -> str:
    """A record's 学分级别: the one entered on the free form, or the wizard category's name
    (赴外省国家级项目 ...), which is what a wizard record's level is."""
    if code:
        return levels.get(code, code)
    return category_name if wizard_rule else ""


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any], wording: Wording) -> list[str]:
    """The credit type's fields that changed (its credits and hours are the record's, said once)."""
    return [f"{wording.type_label(name)}：{wording.type_value(name, old.get(name))} → {wording.type_value(name, new.get(name))}"
            for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name) and name not in ("credits", "hours")]


def _name(model, key: Any) -> str:
    name = db.session.scalar(select(model.name).where(model.id == key))
    return name if name is not None else str(key)
