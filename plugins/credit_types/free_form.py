"""非向导录入 (free form): the learner types the credits and hours from the certificate and the
reviewer checks them against the evidence. The credit class follows the record's 学分级别
(``credit_level``, a common field the portal passes in ``context.common``)."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import AtMostPlaces, CreditType, Score
from portal.hookspecs import hookimpl


class FreeForm(CreditType):
    slug = "free_form"
    label = _l("Free form")
    description = _l("The learner enters the credits and hours shown on the certificate.")

    class Params(Form):
        max_credits_per_record = DecimalField(_l("Credits per record at most"), [
            InputRequired(message=_l("Enter the most credits one record may claim.")),
            NumberRange(min=Decimal("0.01"), message=_l("Enter the maximum as a number of credits, 0.01 or more.")),
        ], default=Decimal("25"))

    class Fields(Form):
        credits = DecimalField(_l("Credits"), [
            InputRequired(message=_l("Enter the credits shown on the certificate.")),
            AtMostPlaces(2, _l("Credits have at most two decimals, e.g. 2.5 or 2.56.")),
            NumberRange(min=Decimal("0.01"), message=_l("Enter the credits as a number greater than 0, e.g. 1.5.")),
        ], places=2, rounding=ROUND_HALF_UP)
        hours = DecimalField(_l("Hours"), [
            InputRequired(message=_l("Enter the hours shown on the certificate, 0 when it shows none.")),
            NumberRange(min=0, max=1000, message=_l("Enter the hours as a number from 0 to 1000.")),
        ], places=1, rounding=ROUND_HALF_UP)

    def validate(self, data, params):
        limit = params["max_credits_per_record"]
        if data["credits"] > limit:
            return {"credits": [_("One record may claim at most %(max)s credits: check the certificate, "
                                  "or enter each activity as its own record.", max=limit)]}
        return {}

    def score(self, data, params, context):
        return Score(credits=data["credits"], hours=data["hours"],
                     credit_class=context.level_classes.get(context.common.credit_level))


@hookimpl
def register_credit_types():
    return [FreeForm]
