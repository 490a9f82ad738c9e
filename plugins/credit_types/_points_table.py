"""Shared by credit types scored from a points table of level × rank (科研立项, 发表论文): the
category's ``table`` parameter gives the credits of each row (a level) and rank (a column), and
where the rule text says "余类推" (and so on), ``further_ranks`` ranks beyond the table continue it,
each ``further_step`` credits less than the one before, while they give credits at all."""
from decimal import Decimal
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import NumberRange, Optional

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule

MAX_FURTHER = 10


def further_fields(ranks: int = 5):
    """The Params fields of the table's continuation ("余类推"), for a subclass's ``Params``."""
    return (
        IntegerField(_l("Ranks beyond the table (余类推)"),
                     [Optional(),
                      NumberRange(0, MAX_FURTHER, message=_l("Enter a whole number from 0 to %(n)d.", n=MAX_FURTHER))],
                     default=ranks, description=_l("Empty or 0: the rule stops at the table.")),
        DecimalField(_l("Credits less for each further rank"),
                     [Optional(), NumberRange(min=0, message=_l("Enter a number of credits, 0 or more."))],
                     default=Decimal(1)),
    )


class PointsTableType(CreditType):
    """Subclasses declare ``Params.table`` (a PointsTableField) and ``further_fields()``, the
    learner fields named by ``row_field`` (a row of the table) and ``rank_field`` (a rank from 1),
    and how the wizard names a row and a rank."""

    entry = Entry.WIZARD
    row_field: ClassVar[str]
    rank_field: ClassVar[str]

    def group_name(self, row: str) -> str:
        raise NotImplementedError

    def rank_name(self, rank: int) -> str:
        raise NotImplementedError

    def points(self, params, row: str) -> list[Decimal]:
        """The row's credits by rank: the table's, then its continuation while above 0."""
        values = [Decimal(str(v)) for v in params["table"][row]]
        step = Decimal(str(params.get("further_step") or 0))
        for _rank in range(int(params.get("further_ranks") or 0)):
            if step <= 0 or values[-1] - step <= 0:
                break
            values.append(values[-1] - step)
        return values

    def wizard(self, params):
        return [
            WizardGroup(
                name=self.group_name(row),
                rules=tuple(
                    WizardRule(key=f"{row}:{rank}", name=self.rank_name(rank), credits=points,
                               fields={self.row_field: row, self.rank_field: rank})
                    for rank, points in enumerate(self.points(params, row), 1)
                ),
            )
            for row in params["table"]
        ]

    def validate(self, data, params):
        ranks = len(self.points(params, data[self.row_field]))
        if data[self.rank_field] > ranks:
            return {self.rank_field: [_("At this level credits go to the first %(n)d ranks.", n=ranks)]}
        return {}

    def score(self, data, params, context):
        return Score(credits=self.points(params, data[self.row_field])[data[self.rank_field] - 1])
