"""Shared by credit types scored from the length of a written work (自学综述, 著作, 报告, 译文):
credits = characters / the category's ``characters_per_credit``."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Score, WizardGroup, WizardRule


def characters_per_credit(default: int) -> IntegerField:
    """The ``characters_per_credit`` parameter, for a subclass's Params."""
    return IntegerField(_l("Characters per credit"), [
        InputRequired(message=_l("Enter how many characters make one credit.")),
        NumberRange(min=1, message=_l("Enter a whole number of characters, 1 or more.")),
    ], default=default)


class PerCharactersType(CreditType):
    """Subclasses declare ``Params.characters_per_credit`` with :func:`characters_per_credit`."""

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
        return Score(credits=Decimal(data["characters"]) / params["characters_per_credit"])
