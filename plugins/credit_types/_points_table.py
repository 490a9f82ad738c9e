"""Shared by credit types scored from a points table of level × rank (科研立项, 发表论文): the
category's ``table`` parameter gives the credits of each row (a level) and rank (a column)."""
from typing import ClassVar

from portal.contracts import CreditType, Entry, Score, WizardGroup, WizardRule


class PointsTableType(CreditType):
    """Subclasses declare ``Params.table`` (a PointsTableField), the learner fields named by
    ``row_field`` (a row of the table) and ``rank_field`` (a rank from 1), and how the wizard
    names a row and a rank."""

    entry = Entry.WIZARD
    row_field: ClassVar[str]
    rank_field: ClassVar[str]

    def group_name(self, row: str) -> str:
        raise NotImplementedError

    def rank_name(self, rank: int) -> str:
        raise NotImplementedError

    def wizard(self, params):
        return [
            WizardGroup(
                name=self.group_name(row),
                rules=tuple(
                    WizardRule(key=f"{row}:{rank}", name=self.rank_name(rank), credits=points,
                               fields={self.row_field: row, self.rank_field: rank})
                    for rank, points in enumerate(values, 1)
                ),
            )
            for row, values in params["table"].items()
        ]

    def score(self, data, params, context):
        return Score(credits=params["table"][data[self.row_field]][data[self.rank_field] - 1])
