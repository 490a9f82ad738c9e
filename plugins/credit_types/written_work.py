"""自学综述, 出版医学著作, 出国考察报告/国内专题调研报告, 发表医学译文: credits by the number of
characters of the work, ``characters_per_credit`` set per category (DOMAIN.md: a self-study
review 2,000, a book 1,000, a report 3,000, a translation 1,500)."""
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule
from portal.hookspecs import hookimpl


class WrittenWork(CreditType):
    slug = "written_work"
    label = _l("Written work")
    description = _l("Credits by the number of characters of a self-study review, a published book, "
                     "a report or a translation.")
    # The wizard's one rule states the category's rate; the learner then enters the length.
    entry = Entry.WIZARD

    class Params(Form):
        characters_per_credit = IntegerField(_l("Characters per credit"), [
            InputRequired(message=_l("Enter how many characters make one credit.")),
            NumberRange(min=1, message=_l("Enter a whole number of characters, 1 or more.")),
        ], default=1000)

    class Fields(Form):
        characters = IntegerField(_l("Characters"), [
            InputRequired(message=_l("Enter the number of characters of the work.")),
            NumberRange(min=1, message=_l("Enter the number of characters as a whole number, 1 or more.")),
        ])

    def wizard(self, params):
        rule = WizardRule(key="characters", credits=None,
                          name=_("%(n)d characters = 1 credit", n=params["characters_per_credit"]))
        return [WizardGroup(name=str(self.label), rules=(rule,))]

    def score(self, data, params, context):
        # "2,000 characters = 1 credit": a part of a credit is earned only in full hundredths, so
        # 1,999 characters give 0.99, never a rounded-up 1.00.
        credits = (Decimal(data["characters"]) / params["characters_per_credit"]).quantize(Decimal("0.01"), ROUND_DOWN)
        return Score(credits=credits)


@hookimpl
def register_credit_types():
    return [WrittenWork]
