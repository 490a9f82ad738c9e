"""The rule set editor's form (the web page and the API both validate with it): the yearly
requirements, caps and multi-year requirements as rows, and the checks that keep a rule set
from contradicting itself."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from portal.categories.forms import YEAR
from portal.contracts import round_credits, round_hours
from portal.dictionaries.services import tree
from portal.extensions import db
from portal.models import CreditCategory, RuleSet
from portal.models.people import TITLE_LEVELS
from portal.models.units import UNIT_LEVELS, UNIT_TIERS, UNIT_TYPES
from portal.select_field import SelectField

RANGE = _l("Enter a number from %(min)s to %(max)s.")
CREDITS = NumberRange(0, 999, message=RANGE)
LEVELS = [(v, v) for v in UNIT_LEVELS]


def _categories() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(CreditCategory.id, CreditCategory.name).order_by(CreditCategory.position, CreditCategory.id))]


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _leaves(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [leaf for child in entry["children"] for leaf in _leaves(child)] if entry["children"] else [entry]


def _summary_nodes() -> dict[str, Any]:
    """The 各类学分汇总 nodes records count under (the leaves), grouped under their top node."""
    choices: dict[str, Any] = {}
    for root in tree("summary_nodes"):
        if root["children"]:
            choices[root["name"]] = {leaf["code"]: leaf["name"] for leaf in _leaves(root)}
        else:
            choices[root["code"]] = root["name"]
    return choices


def _filled(field) -> bool:
    return field.data not in (None, "", []) or any(str(v).strip() for v in field.raw_data or ())


def _needed(message):
    """Required in a row that has anything filled in (empty rows are ignored)."""
    def check(form, field):
        if not _filled(field) and form.used():
            field.errors[:] = []
            raise StopValidation(message)
    return check


class _Row(FlaskForm):
    class Meta:
        csrf = False

    def used(self) -> bool:
        return any(_filled(f) for f in self)


class CapRow(_Row):
    category_id = SelectField(_l("Category"), [_needed(_l("Choose the category this cap is for."))],
                              coerce=_optional_int, choices=lambda: [("", "—"), *_categories()])
    cap = DecimalField(_l("At most (credits a year)"), [_needed(_l("Enter the most credits that count a year.")),
                                                        Optional(), CREDITS], places=2)


class MultiYearRow(_Row):
    years = IntegerField(_l("Within (years)"), [_needed(_l("Enter over how many years, 2 to 10.")), Optional(),
                                                NumberRange(2, 10, message=RANGE)])
    min_credits = DecimalField(_l("At least (credits)"), [_needed(_l("Enter the credits required.")), Optional(), CREDITS],
                               places=2)
    nodes = SelectMultipleField(_l("Credits of"), [_needed(_l("Tick the kinds of credits that count."))],
                                choices=_summary_nodes)
    unit_levels = SelectMultipleField(_l("Only for staff of these unit levels"), choices=LEVELS,
                                      description=_l("None ticked: everyone the rule set applies to."))


class RuleSetForm(FlaskForm):
    # Set when editing: the name must differ from the other rule sets' names.
    rule_set_id: int | None = None

    name = StringField(_l("Rule set name"), [DataRequired(message=_l("Enter the name people will see.")), Length(max=100)],
                       filters=[lambda value: value.strip() if value else value])
    description = TextAreaField(_l("Description"), [Optional()], render_kw={"rows": 3},
                                description=_l("The official wording and where it comes from; "
                                               "shown above the plain-language summary."))
    valid_from = IntegerField(_l("Valid from (year)"), [InputRequired(message=_l("Enter a year such as 2025.")), YEAR])
    valid_to = IntegerField(_l("Valid until (year)"), [Optional(), YEAR], description=_l("Empty: no limit."))
    priority = IntegerField(_l("Priority"), [Optional(), NumberRange(0, 999, message=RANGE)], default=0,
                            description=_l("Where several rule sets fit a person's year, the highest priority applies."))
    enabled = BooleanField(_l("Enabled"), default=True,
                           description=_l("Only enabled rule sets judge compliance and are shown to learners."))
    title_levels = SelectMultipleField(_l("Title levels"), choices=[(v, v) for v in TITLE_LEVELS],
                                       description=_l("None ticked: every title level."))
    unit_levels = SelectMultipleField(_l("Unit levels"), choices=LEVELS, description=_l("None ticked: every unit level."))
    unit_tiers = SelectMultipleField(_l("Unit tiers"), choices=[(v, v) for v in UNIT_TIERS],
                                     description=_l("None ticked: every tier (县级及以下: 县区, 乡镇街道 and 村)."))
    unit_types = SelectMultipleField(_l("Unit types"), choices=[(v, v) for v in UNIT_TYPES],
                                     description=_l("None ticked: every type of unit."))
    min_credits = DecimalField(_l("Credits a year, at least"), [InputRequired(message=_l("Enter the credits a year, 0 or more.")),
                                                               CREDITS], places=2)
    min_hours = DecimalField(_l("Hours (学时) a year, at least"), [Optional(), NumberRange(0, 9999, message=RANGE)],
                             places=1, default=Decimal(0), description=_l("Empty or 0: no hours requirement."))
    hourless_hours_per_credit = DecimalField(
        _l("Hours a record stating none adds per credit"), [Optional(), NumberRange(0, 100, message=RANGE)], places=1,
        description=_l("Empty: records stating no hours (papers, research, books, 进修) add no hours toward the hours "
                       "a year; a number: they add that many hours per credit."))
    class_1_min = DecimalField(_l("Class I credits, at least"), [Optional(), CREDITS], places=2, default=Decimal(0))
    class_1_max = DecimalField(_l("Class I credits counted, at most"), [Optional(), CREDITS], places=2,
                               description=_l("Class I credits beyond this do not count toward the total; empty: no limit."))
    class_2_min = DecimalField(_l("Class II credits, at least"), [Optional(), CREDITS], places=2, default=Decimal(0))
    interchange_percent = IntegerField(_l("Interchange (%)"), [Optional(), NumberRange(0, 100, message=RANGE)], default=0,
                                       description=_l("How much of one class's minimum the other class may stand in for."))
    caps = FieldList(FormField(CapRow), max_entries=30)
    # Not a rule: the date a changed rule set's new version takes effect (an edit only).
    effective_from = DateField(_l("New version effective from"), [Optional()],
                               description=_l("Changed rules become a new version from this date; the credit years "
                                              "ending on or after it are judged with it. Closed years keep the "
                                              "version they were judged with until the province re-judges them. "
                                              "Empty: the first day of the next credit year."))
    multi_year = FieldList(FormField(MultiYearRow), max_entries=10)
    deeming_categories = SelectMultipleField(_l("Categories that deem the year compliant"), coerce=int, choices=_categories,
                                             description=_l("An approved record of one of these makes the year compliant "
                                                            "(e.g. 进修 of six months or more)."))

    def validate_name(self, field):
        query = select(RuleSet.id).where(RuleSet.name == field.data)
        if self.rule_set_id:
            query = query.where(RuleSet.id != self.rule_set_id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_("Another rule set has this name."))

    def validate_valid_to(self, field):
        if field.data is not None and self.valid_from.data is not None and field.data < self.valid_from.data:
            raise ValidationError(_("The last valid year cannot be before the first."))

    def validate_class_1_min(self, field):
        if _above(field.data, self.min_credits.data):
            raise ValidationError(_("The Class I minimum cannot be above the credits a year."))

    def validate_class_1_max(self, field):
        if field.data is not None and field.data < (self.class_1_min.data or 0):
            raise ValidationError(_("The Class I maximum cannot be below the Class I minimum."))

    def validate_class_2_min(self, field):
        if _above(field.data, self.min_credits.data):
            raise ValidationError(_("The Class II minimum cannot be above the credits a year."))
        if _above((field.data or 0) + (self.class_1_min.data or 0), self.min_credits.data):
            raise ValidationError(_("The Class I and Class II minima together cannot be above the credits a year."))

    def validate_caps(self, field):
        categories = {c.id: c for c in db.session.scalars(select(CreditCategory))}
        seen: dict[str, CreditCategory] = {}
        for row in field:
            category = categories.get(row.form.category_id.data)
            if category is None:
                continue
            key = category.cap_group or f"category:{category.id}"
            if key not in seen:
                seen[key] = category
            elif seen[key].id == category.id:
                raise ValidationError(_("“%(name)s” is capped twice: keep one row.", name=category.name))
            else:
                raise ValidationError(_("“%(name)s” and “%(other)s” share one cap (their cap group): keep one row.",
                                        name=seen[key].name, other=category.name))

    def values(self) -> dict[str, Any]:
        """The rule set's columns from the validated form (empty rows left out)."""
        caps = [row.form for row in self.caps if row.form.used()]
        multi_year = [row.form for row in self.multi_year if row.form.used()]
        return {
            "name": self.name.data, "description": (self.description.data or "").strip(),
            "valid_from": self.valid_from.data, "valid_to": self.valid_to.data,
            "title_levels": self.title_levels.data, "unit_levels": self.unit_levels.data,
            "unit_tiers": self.unit_tiers.data, "unit_types": self.unit_types.data,
            "priority": self.priority.data or 0, "enabled": self.enabled.data,
            "min_credits": round_credits(self.min_credits.data), "min_hours": round_hours(self.min_hours.data or 0),
            "hourless_hours_per_credit": None if self.hourless_hours_per_credit.data is None
            else round_hours(self.hourless_hours_per_credit.data),
            "class_1_min": round_credits(self.class_1_min.data or 0),
            "class_1_max": None if self.class_1_max.data is None else round_credits(self.class_1_max.data),
            "class_2_min": round_credits(self.class_2_min.data or 0),
            "interchange_percent": self.interchange_percent.data or 0,
            "caps": [{"category_id": r.category_id.data, "cap": str(round_credits(r.cap.data))} for r in caps],
            "multi_year": [{"years": r.years.data, "min_credits": str(round_credits(r.min_credits.data)), "nodes": r.nodes.data,
                            "unit_levels": r.unit_levels.data} for r in multi_year],
            "deeming_categories": self.deeming_categories.data,
        }


def _above(value: Decimal | None, total: Decimal | None) -> bool:
    return value is not None and total is not None and value > total


def initial(rule_set: RuleSet) -> dict[str, Any]:
    """A stored rule set as the form's data (the JSON rows' numbers as Decimals)."""
    data = {name: getattr(rule_set, name) for name in (
        "name", "description", "valid_from", "valid_to", "title_levels", "unit_levels", "unit_tiers", "unit_types", "priority",
        "enabled", "min_credits", "min_hours", "hourless_hours_per_credit", "class_1_min", "class_1_max", "class_2_min",
        "interchange_percent", "deeming_categories")}
    data["caps"] = [{"category_id": int(c["category_id"]), "cap": Decimal(str(c["cap"]))} for c in rule_set.caps or ()]
    data["multi_year"] = [{**r, "min_credits": Decimal(str(r["min_credits"]))} for r in rule_set.multi_year or ()]
    return data
