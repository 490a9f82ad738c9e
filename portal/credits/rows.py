"""The rows of 录入学分查询管理 (credits/mine.html), each made in one call: the learner's most
asked-for page, whose twenty rows written by the template were over a quarter of its work
(see portal/certificates/rows.py). The markup is the template's; the values are escaped here."""
from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from portal.credits.services import status_label
from portal.row_urls import row_url
from portal.table_cells import RowCells, row_name, tick_cell

KEYS = ("date", "name", "category", "credits", "hours", "status", "comment")
# Records their person may still change: ticked to submit, edited.
OPEN = ("draft", "rejected")


class MineRows:
    """``rows(r)`` is the ``<tr>`` of a record (a row of the page's query) under the columns
    ``labels`` (KEYS); ``tick`` and ``edit`` are the tick box's and the edit button's words.
    Templates call it ``mine_rows``."""

    def __init__(self, labels: Mapping[str, str], tick: str, edit: str):
        self.cells = RowCells(KEYS, labels, nowrap=("date", "credits", "hours", "status"))
        self.detail_url = row_url("CreditEntryView.detail", "record_id")
        self.edit_url = row_url("CreditEntryView.edit", "record_id")
        self.tick, self.edit = tick, escape(edit)

    def __call__(self, r) -> Markup:
        record_id, status, comment = int(r.id), r.status, r.review_comment
        name = row_name(record_id, r.activity_name, self.detail_url(record_id))
        title = f' title="{escape(comment)}"' if comment else ""
        label = f'<span class="label status-{escape(status)}"{title}>{escape(status_label(status))}</span>'
        edit = (f'<a class="btn btn-default btn-sm" href="{self.edit_url(record_id)}">{self.edit}</a>'
                if status in OPEN else "")
        cells = self.cells({"date": r.activity_date, "category": r.category_name, "credits": r.credits, "hours": r.hours,
                            "comment": comment}, name=Markup(name), status=Markup(label))
        return Markup(f'<tr data-record="{record_id}">\n        {tick_cell(self.tick, record_id, status in OPEN)}\n'
                      f'        {cells}\n        <td>{edit}</td>\n      </tr>\n')
