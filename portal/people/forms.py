"""One form validates a person's data, for the web pages and the REST API alike."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError

from portal.models.people import PERSON_STATUSES, TITLE_LEVELS, TRANSFER_STATUSES
from portal.people import id_number
from portal.select_field import SelectField

MOBILE = Regexp(r"^1\d{10}$", message=_l("A mobile number has 11 digits and starts with 1."))


def _valid_id_number(form, field):
    try:
        field.data = id_number.parse(field.data or "").number
    except id_number.InvalidIdNumber as e:
        raise ValidationError(str(e)) from None


def _choices(values):
    return [(v, v or "—") for v in values]


KEEP_CURRENT = _l("Leave empty to keep the current one.")


class SelfServiceForm(FlaskForm):
    """The fields a learner may change on their own profile."""

    mobile = StringField(_l("Mobile"), [Optional(), MOBILE])
    phone = StringField(_l("Telephone"), [Optional(), Length(max=32)])
    email = StringField(_l("E-mail"), [Optional(), Email(message=_l("Enter an e-mail address such as name@example.com.")),
                                      Length(max=120)])
    ethnicity = StringField(_l("Ethnicity"), [Optional(), Length(max=32)])
    ic_card_no = StringField(_l("Former IC card number"), [Optional(), Length(max=32)])


class PersonForm(SelfServiceForm):
    """What a unit admin (or the provincial admin) fills in for a member of staff."""

    name = StringField(_l("Name"), [DataRequired(message=_l("Enter the name.")), Length(max=64)])
    id_number = StringField(_l("ID number"), [DataRequired(message=_l("Enter the ID number.")), _valid_id_number])
    person_no = StringField(_l("Staff number"), [Optional(), Length(max=32),
                                                 Regexp(r"^[0-9A-Za-z-]+$", message=_l("Use letters, digits and hyphens only."))],
                            description=_l("Leave empty to number automatically."))
    political_status = StringField(_l("Political status"), [Optional(), Length(max=32)])
    education = StringField(_l("Education"), [Optional(), Length(max=32)])
    degree = StringField(_l("Degree"), [Optional(), Length(max=32)])
    department = StringField(_l("Department"), [Optional(), Length(max=64)])
    position = StringField(_l("Position"), [Optional(), Length(max=64)])
    status = SelectField(_l("Status"), choices=_choices(PERSON_STATUSES), default=PERSON_STATUSES[0])
    transfer_status = SelectField(_l("Transfer status"), choices=_choices(TRANSFER_STATUSES), default="")
    title = StringField(_l("Title"), [Optional(), Length(max=64)])
    title_level = SelectField(_l("Title level"), choices=_choices(("",) + TITLE_LEVELS), default="")
    # Only the provincial admin sees and sets these three; views drop them for unit admins.
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    role = SelectField(_l("Role"), choices=[("learner", _l("Learner")), ("unit_admin", _l("Unit admin"))], default="learner")
    # "False" too: the REST API passes JSON values through as text.
    out_of_province = BooleanField(
        _l("Out-of-province learner"), false_values=(False, "false", "False", "0", ""),
        description=_l("Attended a project here from another province: the unit is the organiser; signs in with "
                       "the ID number, mobile number and an SMS code to download certificates only; not staff."),
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Beside the field's own validators, which an empty (optional) mobile number stops.
        if "out_of_province" in self and self.out_of_province.data and not self.mobile.data:
            self.mobile.errors.append(_l("An out-of-province learner needs a mobile number: their sign-in code is sent to it."))
            return False
        return valid


class CreatePersonForm(PersonForm):
    username = StringField(_l("Username"), [Optional(), Length(min=3, max=64),
                                            Regexp(r"^[0-9A-Za-z_.-]+$", message=_l("Use letters, digits, _ . and - only."))],
                           description=_l("Leave empty to use the staff number."))


class StaffEditForm(PersonForm):
    """An admin's edit of a person: the ID, mobile and telephone numbers are masked on every admin
    page, so here they start empty and empty keeps the current value (the person's page reveals
    one, audited). The person clears their own contact numbers on their profile."""

    id_number = StringField(_l("ID number"), [Optional(), _valid_id_number], description=KEEP_CURRENT)
    mobile = StringField(_l("Mobile"), [Optional(), MOBILE], description=KEEP_CURRENT)
    phone = StringField(_l("Telephone"), [Optional(), Length(max=32)], description=KEEP_CURRENT)

    def validate(self, extra_validators=None):
        # Not PersonForm's check of an out-of-province learner's mobile number: empty keeps the
        # one on record, and the service refuses to leave such a learner without one.
        return super(PersonForm, self).validate(extra_validators)


def validator(form_class: type[PersonForm], province: bool,
              unit_choices: list[tuple[int, str]]) -> Callable[[dict[str, Any]], tuple[PersonForm, bool]]:
    """Checks data (JSON values or cells) through ``form_class`` as form data, so that validators
    such as Optional() see the values exactly as on the web. Only the provincial admin's form keeps
    the unit, role and out-of-province fields (``unit_choices``: the units they may choose). One
    form serves every call: an import checks thousands of rows."""
    form = form_class(formdata=None, meta={"csrf": False})
    if province:
        form.unit_id.choices = unit_choices
    else:
        del form.unit_id
        del form.role
        del form.out_of_province

    def check(data: dict[str, Any]) -> tuple[PersonForm, bool]:
        form.process(MultiDict({k: "" if v is None else str(v) for k, v in data.items()}))
        return form, form.validate()

    return check


def validated(form_class: type[PersonForm], data: dict[str, Any], province: bool,
              unit_choices: list[tuple[int, str]]) -> tuple[PersonForm, bool]:
    """``data`` through a ``validator`` of its own."""
    return validator(form_class, province, unit_choices)(data)


class RecoveryForm(FlaskForm):
    """找回账户密码: who (ID number and the mobile number on record), then the SMS code and the new password."""

    id_number = StringField(_l("ID number"), [DataRequired(message=_l("Enter the ID number."))])
    phone = StringField(_l("Mobile number"), [DataRequired(message=_l("Enter the mobile number."))])
    code = StringField(_l("SMS code"), [Optional(), Regexp(r"^\d{6}$", message=_l("The SMS code has 6 digits."))])
    new_password = PasswordField(_l("New password"))
    confirm = PasswordField(_l("New password again"), [EqualTo("new_password", message=_l("The two new passwords differ."))])


class YearCorrectionForm(FlaskForm):
    """The provincial admin's correction of a person's standing in one past year."""

    year = IntegerField(_l("Year"), [InputRequired(message=_l("Enter a year such as 2023."))])
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    title = StringField(_l("Title"), [Optional(), Length(max=64)])
    title_level = SelectField(_l("Title level"), choices=_choices(("",) + TITLE_LEVELS), default="")
    status = SelectField(_l("Status"), choices=_choices(PERSON_STATUSES), default=PERSON_STATUSES[0])
    reason = StringField(_l("Reason"), [DataRequired(message=_l("Say why the year is corrected.")), Length(max=200)],
                         description=_l("Kept with the history row, with your name."))

