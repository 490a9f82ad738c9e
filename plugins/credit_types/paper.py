"""发表论文和综述: credits by the journal's level and the author's rank (第1作者 …), from a points
table the province can change per category."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import PointsTableField
from portal.hookspecs import hookimpl

from ._points_table import MAX_FURTHER, PointsTableType, further_fields

JOURNAL_LEVELS = ("外国期刊", "ISSN+CN期刊", "省级期刊")
RANKS = 3


def _rank_labels():
    return [_l("Author %(n)d", n=n) for n in range(1, RANKS + 1)]


class Paper(PointsTableType):
    slug = "paper"
    label = _l("Paper or review")
    description = _l("Credits by the journal's level and the author's rank.")
    row_field = "journal_level"
    rank_field = "author_rank"

    class Params(Form):
        table = PointsTableField(
            _l("Credits by journal level and author rank"), rows=JOURNAL_LEVELS, column_labels=_rank_labels(),
            default={"外国期刊": [10, 9, 8], "ISSN+CN期刊": [6, 5, 4], "省级期刊": [5, 4, 3]},
        )
        further_ranks, further_step = further_fields()

    class Fields(Form):
        journal_level = SelectField(_l("Journal level"), choices=[(v, v) for v in JOURNAL_LEVELS])
        author_rank = IntegerField(_l("Author rank"), [
            InputRequired(message=_l("Enter your rank among the paper's authors.")),
            NumberRange(1, RANKS + MAX_FURTHER, message=_l("Credits go to the first %(n)d authors: enter a rank from 1 to "
                                                          "%(n)d.", n=RANKS + MAX_FURTHER)),
        ])

    def group_name(self, row):
        return _("Paper in a journal: %(level)s", level=row)

    def rank_name(self, rank):
        return _("Author %(n)d", n=rank)


@hookimpl
def register_credit_types():
    return [Paper]
