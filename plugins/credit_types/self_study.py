"""自学综述: credits by the length of the learner's review. Its yearly cap (5 a year by default)
is the category's, applied where a year's credits are counted."""
from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.hookspecs import hookimpl

from ._per_characters import PerCharactersType, characters_per_credit


class SelfStudy(PerCharactersType):
    slug = "self_study"
    label = _l("Self-study")
    description = _l("Credits by the number of characters of the learner's review.")

    class Params(Form):
        characters_per_credit = characters_per_credit(2000)


@hookimpl
def register_credit_types():
    return [SelfStudy]
