"""出版医学著作, 出国考察报告/国内专题调研报告, 发表医学译文: credits by the number of characters
of the work. A book category keeps the default 1,000 characters a credit; a report category
sets 3,000, a translation category 1,500."""
from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.hookspecs import hookimpl

from ._per_characters import PerCharactersType, characters_per_credit


class Publication(PerCharactersType):
    slug = "publication"
    label = _l("Book, report or translation")
    description = _l("Credits by the number of characters of a published book, report or translation.")

    class Params(Form):
        characters_per_credit = characters_per_credit(1000)


@hookimpl
def register_credit_types():
    return [Publication]
