"""进修 (training at another unit, abroad included, approved by the learner's unit) and medical aid
work (援助西部、农村、海岛、援外): time spent away from the unit, in whole months. Credits per
month, and from ``months_to_deem`` months on the year's full credits with the year deemed
compliant. The categories (training or aid work, 6 months and more or less) set the months
they accept.

A stay is a period from its activity date (the first day) for its months, and may span years.
Which years it deems is the category's reading of its rule text (``deeming``): the year in which
the stay reaches the months that deem, and each later year holding that many months of it
(``reached``, the default); or only each year holding that many months (``each_year``)."""
import calendar
import datetime as dt
from collections import Counter
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import DecimalField, Form, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Entry, Period, Score, WizardGroup, WizardRule, credits_text
from portal.hookspecs import hookimpl

MAX_MONTHS = 24
_CREDITS = _l("Enter a number of credits, 0 or more.")
_MONTHS = _l("Enter a whole number of months from 1 to %(n)d.", n=MAX_MONTHS)


class MonthsAway(CreditType):
    slug = "months_away"
    label = _l("Training elsewhere or aid work")
    description = _l("Training at another unit or medical aid in the west, in the countryside, on islands or abroad: "
                     "credits per month; from the set number of months on, the year's full credits and the year is "
                     "deemed compliant.")
    entry = Entry.WIZARD

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
        deeming = SelectField(_l("Years a stay deems compliant"), choices=[
            ("reached", _l("The year it reaches that many months, and each later year holding that many")),
            ("each_year", _l("Only each year holding that many months of it")),
        ], default="reached")

    class Fields(Form):
        months = IntegerField(
            _l("Months"),
            [InputRequired(message=_l("Enter how many whole months it lasted.")),
             NumberRange(1, MAX_MONTHS, message=_MONTHS)])

    def wizard(self, params):
        # One rule per length the category accepts: each fixes the months and so the credits.
        deem = params["months_to_deem"]
        lengths = range(params["min_months"], params["max_months"] + 1)
        groups = [
            WizardGroup(name=_("Less than %(n)d months: %(rate)s credits a month, no year deemed compliant", n=deem,
                               rate=credits_text(params['credits_per_month'])), rules=tuple(
                WizardRule(key=str(n), name=ngettext("%(num)d month", "%(num)d months", n),
                           credits=n * params["credits_per_month"], fields={"months": n})
                for n in lengths if n < deem)),
            WizardGroup(name=_("%(n)d months or more: %(credits)s credits; %(years)s", n=deem,
                               credits=credits_text(params['full_year_credits']), years=self.deeming(params)), rules=tuple(
                WizardRule(key=str(n), name=ngettext("%(num)d month", "%(num)d months", n),
                           credits=params["full_year_credits"], fields={"months": n})
                for n in lengths if n >= deem)),
        ]
        return [g for g in groups if g.rules]

    def validate(self, data, params):
        if not params["min_months"] <= data["months"] <= params["max_months"]:
            return {"months": [_("This category is for %(min)d to %(max)d months; "
                                 "for another length choose the matching category.",
                                 min=params["min_months"], max=params["max_months"])]}
        return {}

    def deeming(self, params):
        if params["deeming"] == "reached":
            return _("a stay of %(n)d months or more deems the year in which it reaches %(n)d months, and each later "
                     "year holding %(n)d months of it (24 months from March deem two years; 6 months from September "
                     "deem the next year)", n=params["months_to_deem"])
        return _("a stay deems each year holding at least %(n)d months of it (6 months from September deem no year)",
                 n=params["months_to_deem"])

    def period(self, common, data):
        if not data.get("months"):  # a record kept without its length: its activity day alone
            return super().period(common, data)
        first = common.activity_date
        return Period(first, _month_start(first, int(data["months"])) - dt.timedelta(days=1))

    def score(self, data, params, context):
        if data["months"] < params["months_to_deem"]:
            return Score(credits=data["months"] * params["credits_per_month"])
        first = context.common.activity_date
        if first is None:  # no first day known: it deems the year of its activity date
            return Score(credits=params["full_year_credits"], deems_compliant=True,
                         note=_("%(months)d months or more: this record deems the year compliant.",
                                months=params["months_to_deem"]))
        years = deemed_years(first, data["months"], params["months_to_deem"], params["deeming"])
        return Score(credits=params["full_year_credits"], deems_compliant=bool(years), deems_years=years,
                     note=_("This stay deems %(years)s compliant.", years="、".join(str(y) for y in years))
                     if years else _("No year holds enough months of this stay to be deemed compliant."))


def _month_start(first: dt.date, months: int) -> dt.date:
    """The day ``months`` whole months after ``first`` (the day after the stay's last), kept
    within a shorter month."""
    index = first.month - 1 + months
    year, month = first.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def deemed_years(first: dt.date, months: int, months_to_deem: int, reading: str) -> tuple[int, ...]:
    """The years a stay of ``months`` whole months from ``first`` deems compliant, by ``reading``."""
    per_year = Counter(first.year + (first.month - 1 + i) // 12 for i in range(months))
    years = {year for year, held in per_year.items() if held >= months_to_deem}
    if reading == "reached":
        years.add(first.year + (first.month - 1 + months_to_deem - 1) // 12)
    return tuple(sorted(years))


@hookimpl
def register_credit_types():
    return [MonthsAway]
