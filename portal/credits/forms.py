"""The common fields of a credit record (DOMAIN.md: 活动名称, 活动编号, 学分级别, 举办方式, 学科,
活动日期, 发证机构, 备注), for the web pages and the REST API alike. The credit type's own fields
come from its Fields form. Dictionary choices are the enabled entries, by code."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.dictionaries import services as dictionaries
from portal.extensions import db
from portal.models import Unit
from portal.select_field import SelectField

NONE = ("", "—")


def _not_in_future(form, field):
    if field.data and field.data > dt.date.today():
        raise ValidationError(_l("The activity date cannot be in the future."))
    if field.data and field.data.year < 1990:
        raise ValidationError(_l("Enter the date on the credit certificate, e.g. 2025-03-18."))


class CommonFields(FlaskForm):
    """The contract's common fields (portal.contracts.Common), one input each."""

    activity_name = StringField(_l("Activity name"),
                                [DataRequired(message=_l("Enter the activity's name as on the certificate.")), Length(max=200)])
    activity_number = StringField(_l("Activity number"), [Optional(), Length(max=64)])
    activity_date = DateField(_l("Activity date"),
                              [InputRequired(message=_l("Enter the date on the credit certificate, e.g. 2025-03-18.")),
                               _not_in_future],
                              format="%Y-%m-%d", description=_l("The date on the credit certificate (YYYY-MM-DD)."))
    hosting_method = SelectField(_l("Hosting method"), [Optional()])
    discipline = SelectField(_l("Discipline"), [DataRequired(message=_l("Choose the discipline."))])
    sub_discipline = SelectField(_l("Sub-discipline"), [DataRequired(message=_l("Choose the sub-discipline."))])
    issuing_unit_id = IntegerField(_l("Issuing body"), [Optional()],
                                   description=_l("Type part of its name and pick it from the list."))
    issuer_name = StringField(_l("Or the issuing body's name"), [Optional(), Length(max=200)],
                              filters=[lambda value: value.strip() if value else ""],
                              description=_l("When it is not in the list (中华医学会, an organiser in another province): "
                                             "its name as on the certificate."))
    remarks = TextAreaField(_l("Remarks"), [Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hosting_method.choices = [NONE] + _choices("hosting_methods")
        disciplines = dictionaries.tree("disciplines")
        self.discipline.choices = [NONE] + [(d["code"], d["name"]) for d in disciplines]
        # Grouped by 二级学科 (rendered as <optgroup>s, which the page filters by the chosen one).
        self.sub_discipline.choices = {"": [NONE], **{d["name"]: [(c["code"], c["name"]) for c in d["children"]]
                                                    for d in disciplines}}
        self._children = {d["code"]: {c["code"] for c in d["children"]} for d in disciplines}

    def validate_sub_discipline(self, field):
        if field.data and field.data not in self._children.get(self.discipline.data, set()):
            raise ValidationError(_l("Choose a sub-discipline of the chosen discipline."))

    def validate_issuing_unit_id(self, field):
        if field.data is not None and db.session.get(Unit, field.data) is None:
            raise ValidationError(_l("Choose the issuing body from the list."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # One issuing body: a unit of ours or a name, beside the fields' own checks.
        chosen, named = self.issuing_unit_id.data is not None, bool(self.issuer_name.data)
        if chosen == named and not self.issuing_unit_id.errors:
            self.issuing_unit_id.errors.append(
                _l("Either choose the issuing body from the list or type its name, not both.") if chosen
                else _l("Choose the body that issued the certificate, or type its name."))
            return False
        return valid


class FreeFormFields(CommonFields):
    """非向导录入: the learner also states the credit level."""

    credit_level = SelectField(_l("Credit level"), [DataRequired(message=_l("Choose the credit level on the certificate."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.credit_level.choices = [NONE] + _choices("credit_levels")


class WizardFields(CommonFields):
    """向导录入: the rule fixes the credits; the hosting method is required."""

    hosting_method = SelectField(_l("Hosting method"), [DataRequired(message=_l("Choose how the activity was held."))])


def _choices(dictionary: str) -> list[tuple[str, str]]:
    return [(e["code"], e["name"]) for e in dictionaries.tree(dictionary)]


def entry_fields(by_wizard: bool) -> type[CommonFields]:
    """The common fields of an entry through a wizard rule, or through the free form."""
    return WizardFields if by_wizard else FreeFormFields
