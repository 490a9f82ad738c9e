"""在职学历教育: in-service degree study (专科, 本科, 硕士, 博士 studied while employed). A year of study
counts as the year's credits and deems the year of study compliant (2024 national rules: degree
study is one of the sources of the year's credits)."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule, round_credits
from portal.hookspecs import hookimpl

DEGREES = ("专科", "本科", "硕士研究生", "博士研究生")
_CREDITS = _l("Enter a number of credits, 0 or more.")


class DegreeStudy(CreditType):
    slug = "degree_study"
    label = _l("In-service degree study")
    description = _l("A year of in-service degree study: the year's full credits, and the year of study is deemed "
                     "compliant.")
    entry = Entry.WIZARD

    class Params(Form):
        credits = DecimalField(_l("Credits for the year of study"),
                               [InputRequired(message=_CREDITS), NumberRange(min=0, message=_CREDITS)],
                               default=Decimal("25"))

    class Fields(Form):
        degree = SelectField(_l("Degree studied for"), choices=[(d, d) for d in DEGREES])

    def wizard(self, params):
        return [WizardGroup(name=str(self.label), rules=tuple(
            WizardRule(key=degree, name=degree, credits=round_credits(params["credits"]), fields={"degree": degree})
            for degree in DEGREES))]

    def score(self, data, params, context):
        return Score(credits=params["credits"], deems_compliant=True,
                     note=_("A year of in-service degree study deems the year of study compliant."))


@hookimpl
def register_credit_types():
    return [DegreeStudy]
