"""非向导录入 (free form): the learner types the credits and hours from the certificate and the
reviewer checks them against the evidence. The credit class follows the record's 学分级别
(``credit_level``, a common field the portal passes in ``context.common``).

The credits are accepted as typed, but where the 学分级别 has a rate (a provincial project: 6 学时 = 1
credit, at most 10 a project), credits beyond what the hours allow get a note the reviewer reads
beside the record."""
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Form
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import AtMostPlaces, CreditType, PointsTableField, Score, credits_text, hours_text
from portal.hookspecs import hookimpl

LEVELS = ("national", "provincial", "provincial_promotion")


class FreeForm(CreditType):
    slug = "free_form"
    label = _l("Free form")
    description = _l("The learner enters the credits and hours shown on the certificate.")

    class Params(Form):
        max_credits_per_record = DecimalField(_l("Credits per record at most"), [
            InputRequired(message=_l("Enter the most credits one record may claim.")),
            NumberRange(min=Decimal("0.01"), message=_l("Enter the maximum as a number of credits, 0.01 or more.")),
        ], default=Decimal("25"))
        # 学分级别 code → [hours for one credit, credits a project at most] (DOMAIN.md's 2006 table).
        level_limits = PointsTableField(
            _l("Credits the hours allow, by credit level"), rows=LEVELS,
            column_labels=(_l("Hours for one credit"), _l("Credits per project at most")),
            default={"national": [Decimal(3), Decimal(10)], "provincial": [Decimal(6), Decimal(10)],
                     "provincial_promotion": [Decimal(3), Decimal(5)]})

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
        limit = (params.get("level_limits") or {}).get(context.common.credit_level)
        note = ""
        if limit and limit[0]:
            allowed = min((data["hours"] / limit[0]).quantize(Decimal("0.01"), ROUND_DOWN), limit[1])
            if data["credits"] > allowed:
                note = _("Check against the certificate: %(hours)s hours at this credit level allow %(allowed)s credits "
                         "(%(rate)s hours a credit, at most %(max)s a project), %(credits)s were entered.",
                         hours=hours_text(data['hours']), allowed=credits_text(allowed), rate=f"{limit[0]:g}",
                         max=credits_text(limit[1]), credits=credits_text(data['credits']))
        return Score(credits=data["credits"], hours=data["hours"], note=note,
                     credit_class=context.level_classes.get(context.common.credit_level))


@hookimpl
def register_credit_types():
    return [FreeForm]
