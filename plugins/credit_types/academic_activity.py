"""单位组织的学术活动 and 病例讨论会、大查房: fixed credits for the lecturer and for each attendee.
Their shared yearly cap (10 a year) is the categories' cap group, applied where credits are
counted."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule, round_credits
from portal.hookspecs import hookimpl

ROLES = {"lecturer": _l("Lecturer"), "attendee": _l("Attendee")}


def _credits_field(label, default):
    message = _l("Enter a number of credits, 0 or more.")
    return DecimalField(label, [InputRequired(message=message), NumberRange(min=0, message=message)],
                        default=Decimal(default))


class AcademicActivity(CreditType):
    slug = "academic_activity"
    label = _l("Academic activity")
    description = _l("Fixed credits for the lecturer and for each attendee of an activity the unit organises.")
    entry = Entry.WIZARD

    class Params(Form):
        lecturer_credits = _credits_field(_l("Credits for the lecturer"), "2")
        attendee_credits = _credits_field(_l("Credits for an attendee"), "0.5")

    class Fields(Form):
        role = SelectField(_l("Role"), choices=list(ROLES.items()))

    def wizard(self, params):
        return [WizardGroup(
            name=str(self.label),
            rules=tuple(WizardRule(key=role, name=str(label), credits=round_credits(params[f"{role}_credits"]),
                                   fields={"role": role})
                        for role, label in ROLES.items()),
        )]

    def score(self, data, params, context):
        return Score(credits=params[f"{data['role']}_credits"])


@hookimpl
def register_credit_types():
    return [AcademicActivity]
