"""Shared behaviour of 进修 (training elsewhere) and aid work: credits per month, and from
``months_to_deem`` months on the year's full credits with the year deemed compliant. Not a
plugin itself (its name starts with _); training.py and aid_work.py subclass it."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Score, WizardGroup, WizardRule, credits

MAX_MONTHS = 24
_CREDITS = _l("Enter a number of credits, 0 or more.")
_MONTHS = _l("Enter a whole number of months from 1 to %(n)d.", n=MAX_MONTHS)


class MonthsAway(CreditType):
    """Time spent away from the unit, counted in whole months."""

    class Params(Form):
        months_to_deem = IntegerField(
            _l("Months that deem the year compliant"),
            [InputRequired(message=_MONTHS), NumberRange(1, MAX_MONTHS, message=_MONTHS)], default=6)
        full_year_credits = DecimalField(
            _l("Credits from that many months on"),
            [InputRequired(message=_CREDITS), NumberRange(min=0, message=_CREDITS)], default=Decimal("25"))
        credits_per_month = DecimalField(
            _l("Credits per month below that"),
            [InputRequired(message=_CREDITS), NumberRange(min=0, message=_CREDITS)], default=Decimal("5"))
        # A "6 months and more" category and a "less than 6 months" one each accept only their own.
        min_months = IntegerField(
            _l("Fewest months this category accepts"),
            [InputRequired(message=_MONTHS), NumberRange(1, MAX_MONTHS, message=_MONTHS)], default=1)
        max_months = IntegerField(
            _l("Most months this category accepts"),
            [InputRequired(message=_MONTHS), NumberRange(1, MAX_MONTHS, message=_MONTHS)], default=MAX_MONTHS)

    class Fields(Form):
        months = IntegerField(
            _l("Months"),
            [InputRequired(message=_l("Enter how many whole months it lasted.")),
             NumberRange(1, MAX_MONTHS, message=_MONTHS)])

    def wizard(self, params):
        # One rule: the credits depend on the months the learner enters.
        return [WizardGroup(name=str(self.label), rules=(WizardRule(
            key="months",
            name=_("%(per_month)s credits a month; %(months)d months or more: %(full)s credits and the year is compliant",
                   per_month=credits(params["credits_per_month"]), months=params["months_to_deem"],
                   full=credits(params["full_year_credits"])),
            credits=None,
        ),))]

    def validate(self, data, params):
        if not params["min_months"] <= data["months"] <= params["max_months"]:
            return {"months": [_("This category is for %(min)d to %(max)d months; for another length choose the matching category.",
                                 min=params["min_months"], max=params["max_months"])]}
        return {}

    def score(self, data, params, context):
        if data["months"] >= params["months_to_deem"]:
            return Score(credits=params["full_year_credits"], deems_compliant=True,
                         note=_("%(months)d months or more: this record deems the year compliant.",
                                months=params["months_to_deem"]))
        return Score(credits=data["months"] * params["credits_per_month"])
