"""The rows of the review queue (review/queue.html), each made in one call (see
portal/certificates/rows.py): the tick box with the version the reviewer saw, the person with
the 代录 label, the unit for the province, the activity's link and a possible duplicate's; and
that duplicate's label, which the record's review page shows too."""
from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.contracts import credits_text, hours_text
from portal.row_urls import row_url
from portal.table_cells import RowCells, row_name

KEYS = ("person", "unit", "date", "name", "category", "credits", "hours", "evidence")


def duplicate_label(record_id: int) -> Markup:
    """Beside a record the reviewer sees: it matches record #``record_id`` of the same person
    (category, date, name or number). Templates call it ``duplicate_label``."""
    return Markup('<a class="label label-warning duplicate-of" href="{}">{}</a>').format(
        url_for("CreditEntryView.detail", record_id=record_id), _("Possible duplicate of #%(id)d", id=record_id))


class QueueRows:
    """``rows(r)`` is the ``<tr>`` of a queue row (views._queue_rows) under the columns ``labels``
    (KEYS, the unit only with ``province``); ``duplicates`` maps a record's id to the one it may
    duplicate. Templates call it ``queue_rows``."""

    def __init__(self, labels: Mapping[str, str], province: bool, duplicates: Mapping[int, int]):
        self.cells = RowCells([key for key in KEYS if province or key != "unit"], labels)
        self.detail_url = row_url("ReviewView.detail", "record_id")
        self.duplicates = duplicates

    def __call__(self, r) -> Markup:
        record_id = int(r.id)
        # Every row may be ticked; the version is the one the reviewer saw (a record changed since is refused).
        tick = (f'<td class="tick"><input type="checkbox" name="record_id" value="{record_id}" '
                f'aria-labelledby="tick-label name-{record_id}">\n          '
                f'<input type="hidden" name="version-{record_id}" value="{int(r.version)}"></td>')
        person = escape(r.person_name)
        if r.entered_by_name:
            person += Markup(' <span class="label label-info proxy-entry">{}</span>').format(
                _("Entered by %(name)s", name=r.entered_by_name))
        name = f"<span>{row_name(record_id, r.activity_name, self.detail_url(record_id))}"
        if record_id in self.duplicates:
            name += f"\n          {duplicate_label(self.duplicates[record_id])}\n"
        cells = self.cells({"unit": r.unit_name, "date": r.activity_date, "category": r.category_name,
                            "credits": credits_text(r.credits), "hours": hours_text(r.hours), "evidence": r.evidence_count},
                           person=person, name=Markup(name + "</span>"))
        return Markup(f'<tr data-record="{record_id}">\n        {tick}\n        {cells}\n      </tr>\n')
