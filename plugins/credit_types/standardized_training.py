"""初级卫技人员规范化培训或岗位培训: standardized (residency) or post training of junior health
staff. Gives the year's full credits and deems the year compliant."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule, round_credits
from portal.hookspecs import hookimpl

PROGRAMS = ("住院医师规范化培训", "助理全科医生培训", "岗位培训")
MAX_YEAR = 3
_CREDITS = _l("Enter a number of credits, 0 or more.")


class StandardizedTraining(CreditType):
    slug = "standardized_training"
    label = _l("Standardized or post training")
    description = _l("Standardized or post training of junior health staff: the year's full credits, "
                     "and the year is deemed compliant.")
    entry = Entry.WIZARD

    class Params(Form):
        credits = DecimalField(
            _l("Credits for the year"),
            [InputRequired(message=_CREDITS), NumberRange(min=0, message=_CREDITS)],
            default=Decimal("25"))

    class Fields(Form):
        program = SelectField(_l("Training program"), choices=[(p, p) for p in PROGRAMS])
        year_of_training = IntegerField(
            _l("Year of training"),
            [Optional(), NumberRange(1, MAX_YEAR, message=_l(
                "The year of training is a number from 1 to %(n)d; leave it empty if it does not apply.", n=MAX_YEAR))])

    def wizard(self, params):
        return [WizardGroup(
            name=str(self.label),
            rules=tuple(WizardRule(key=program, name=program, credits=round_credits(params["credits"]),
                                   fields={"program": program})
                        for program in PROGRAMS),
        )]

    def score(self, data, params, context):
        return Score(credits=params["credits"], deems_compliant=True,
                     note=_("Standardized or post training deems the year compliant."))


@hookimpl
def register_credit_types():
    return [StandardizedTraining]
