"""The cells of a card table's rows (``.table-cards``: on a phone each cell shows its column's
label from ``data-label``). A list page makes every cell of every row: the openings are made once
a page from the columns, and a row's cells are joined here in one go, not looped over, looked up
and escaped cell by cell in the template (fifty rows of twelve columns on a period's query)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

NOWRAP = Markup(' class="text-nowrap"')
EMPTY = "—"


class RowCells:
    """The cells of a table of ``keys`` (headed by ``labels``; ``nowrap`` columns keep their text on
    one line), made once a page: ``cells(row, key=markup, ...)`` is the row's ``<td>`` of every
    column in order, each holding the row's value escaped ("—" when it has none), or the markup
    given for that key (a link, a label). Templates call it ``row_cells``."""

    def __init__(self, keys: Iterable[str], labels: Mapping[str, str], nowrap: Iterable[str] = ()):
        nowrap = set(nowrap)
        self.openings = [(key, str(Markup('<td data-label="{}"{}>').format(labels[key], NOWRAP if key in nowrap else "")))
                         for key in keys]

    def __call__(self, row: Mapping[str, Any], **own: Markup) -> Markup:
        parts = []
        for key, opening in self.openings:
            value = own[key] if key in own else row[key]
            parts += (opening, EMPTY if value is None or value == "" else escape(value), "</td>")
        return Markup("".join(parts))

