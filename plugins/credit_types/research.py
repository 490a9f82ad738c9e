"""科研立项: credits by project level and the member's rank (第1成员 …), from a points table
the province can change per category."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import PointsTableField
from portal.hookspecs import hookimpl

from ._points_table import MAX_FURTHER, PointsTableType, further_fields

LEVELS = ("国家级", "省级", "市级")
RANKS = 5


def _rank_labels():
    return [_l("Member %(n)d", n=n) for n in range(1, RANKS + 1)]


class ResearchProject(PointsTableType):
    slug = "research"
    label = _l("Research project")
    description = _l("Credits by project level and the member's rank in the project team.")
    row_field = "level"
    rank_field = "rank"

    class Params(Form):
        table = PointsTableField(
            _l("Credits by project level and member rank"), rows=LEVELS, column_labels=_rank_labels(),
            default={"国家级": [10, 9, 8, 7, 6], "省级": [8, 7, 6, 5, 4], "市级": [6, 5, 4, 3, 2]},
        )
        further_ranks, further_step = further_fields()

    class Fields(Form):
        level = SelectField(_l("Project level"), choices=[(v, v) for v in LEVELS])
        rank = IntegerField(_l("Member rank"), [
            InputRequired(message=_l("Enter your rank in the project team.")),
            NumberRange(1, RANKS + MAX_FURTHER, message=_l("The rank is a number from 1 to %(n)d.", n=RANKS + MAX_FURTHER)),
        ])

    def group_name(self, row):
        return _("%(level)s research project", level=row)

    def rank_name(self, rank):
        return _("Member %(n)d", n=rank)


@hookimpl
def register_credit_types():
    return [ResearchProject]
