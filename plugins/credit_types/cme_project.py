"""继续医学教育项目 attended or taught elsewhere (赴外省国家级/省级项目, 远程/推广项目): an attendee
gets a credit per ``hours_per_credit`` hours, a lecturer ``lecturer_credits_per_hour`` credits an
hour, both at most ``max_credits_per_project``. The defaults are a national project's; a
provincial category uses 6 hours / 1 / 10, a distance or promotion one 3 hours / empty / 5
(an empty lecturer rate: lecturers get no credits of their own, only an attendee's)."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule, round_credits, round_hours
from portal.hookspecs import hookimpl

ATTENDEE, LECTURER = "attendee", "lecturer"


class CmeProject(CreditType):
    slug = "cme_project"
    label = _l("CME project")
    description = _l("Credits by the hours attended or taught in a continuing-medical-education project, "
                     "up to a maximum per project.")
    entry = Entry.WIZARD

    class Params(Form):
        hours_per_credit = DecimalField(_l("Hours for one attendee credit"), [
            InputRequired(message=_l("Enter how many hours an attendee needs for one credit.")),
            NumberRange(min=Decimal("0.1"), message=_l("Enter the hours per credit, 0.1 or more.")),
        ], default=Decimal("3"))
        lecturer_credits_per_hour = DecimalField(_l("Lecturer credits per hour"), [
            Optional(),
            NumberRange(min=Decimal("0.01"), message=_l("Enter the lecturer's credits per hour, 0.01 or more, "
                                                        "or leave it empty when lecturers get no credits of their own.")),
        ], default=Decimal("2"), description=_l("Empty: lecturers get no credits of their own."))
        max_credits_per_project = DecimalField(_l("Credits per project at most"), [
            InputRequired(message=_l("Enter the most credits one project may give.")),
            NumberRange(min=Decimal("0.01"), message=_l("Enter the maximum as a number of credits, 0.01 or more.")),
        ], default=Decimal("10"))

    class Fields(Form):
        role = SelectField(_l("Role"), choices=[(ATTENDEE, _l("Attendee")), (LECTURER, _l("Lecturer"))])
        hours = DecimalField(_l("Hours"), [
            InputRequired(message=_l("Enter the hours you attended or taught.")),
            NumberRange(min=Decimal("0.1"), max=1000, message=_l("Enter the hours as a number from 0.1 to 1000.")),
        ], places=1, rounding=ROUND_HALF_UP)

    def wizard(self, params):
        limit = params["max_credits_per_project"]
        rules = [WizardRule(key=ATTENDEE, credits=None, fields={"role": ATTENDEE},
                            name=_("Attendee: %(hours)s hours = 1 credit, at most %(max)s credits",
                                   hours=params["hours_per_credit"], max=limit))]
        if params["lecturer_credits_per_hour"] is not None:
            rules.append(WizardRule(key=LECTURER, credits=None, fields={"role": LECTURER},
                                    name=_("Lecturer: %(credits)s credits an hour, at most %(max)s credits",
                                           credits=params["lecturer_credits_per_hour"], max=limit)))
        return [WizardGroup(name=str(self.label), rules=tuple(rules))]

    def validate(self, data, params):
        if data["role"] == LECTURER and params["lecturer_credits_per_hour"] is None:
            return {"role": [_("This project type gives lecturers no credits of their own: "
                               "choose Attendee and enter the hours of the project.")]}
        return {}

    def score(self, data, params, context):
        spent = round_hours(data["hours"])
        if data["role"] == LECTURER:
            earned = round_credits(spent * params["lecturer_credits_per_hour"])
        else:
            earned = round_credits(spent / params["hours_per_credit"])
        limit = params["max_credits_per_project"]
        if earned > limit:
            return Score(credits=limit, hours=spent, note=_("Capped at %(max)s credits per project.", max=limit))
        return Score(credits=earned, hours=spent)


@hookimpl
def register_credit_types():
    return [CmeProject]
