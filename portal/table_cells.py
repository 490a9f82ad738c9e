"""The cells of a card table's rows (``.table-cards``: on a phone each cell shows its column's
label from ``data-label``). A list page makes every cell of every row: the openings are made once
a page from the columns, and a row's cells are joined here in one go, not looped over, looked up
and escaped cell by cell in the template (fifty rows of twelve columns on a period's query)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

NOWRAP = Markup(' class="text-nowrap"')
EMPTY = "—"
# Values whose text holds nothing to escape (numbers, dates): written as they are.
_PLAIN = frozenset({int, Decimal, dt.date})


def _cell_text(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    return str(value) if type(value) in _PLAIN else escape(value)


def row_name(record_id: int, text: str, href: str | None = None) -> str:
    """A row's name (#name-<id>, which its tick box is labelled by): a link to ``href``, or the
    text alone."""
    if href is None:
        return f'<span id="name-{record_id}">{escape(text)}</span>'
    return f'<a id="name-{record_id}" href="{href}">{escape(text)}</a>'


def tick_cell(label: str, record_id: int, offered: bool) -> str:
    """A row's tick box (``record_id``), named by the column's hidden heading (#tick-label) and
    the row's name (``row_name``); an empty cell where the row offers none."""
    if not offered:
        return '<td class="tick"></td>'
    return (f'<td class="tick" data-label="{escape(label)}"><input type="checkbox" name="record_id" value="{record_id}" '
            f'aria-labelledby="tick-label name-{record_id}"></td>')


class RowCells:
    """The cells of a table of ``keys`` (headed by ``labels``; ``nowrap`` columns keep their text on
    one line), made once a page: ``cells(row, key=markup, ...)`` is the row's ``<td>`` of every
    column in order, each holding the row's value escaped ("—" when it has none), or the markup
    given for that key (a link, a label). ``row(r)`` is the whole ``<tr>`` of a record's row (its
    ``id``), the ``link`` column's value a link to ``link_url(id)``. Templates call it ``row_cells``."""

    def __init__(self, keys: Iterable[str], labels: Mapping[str, str], nowrap: Iterable[str] = (), link: str = "",
                 link_url: Callable[[int], str] | None = None):
        nowrap = set(nowrap)
        self.openings = [(key, str(Markup('<td data-label="{}"{}>').format(labels[key], NOWRAP if key in nowrap else "")))
                         for key in keys]
        self.link, self.link_url = link, link_url

    def row(self, row: Mapping[str, Any]) -> Markup:
        record_id = int(row["id"])
        linked = Markup(f'<a href="{self.link_url(record_id)}">{escape(row[self.link])}</a>')
        return Markup(f'<tr data-record="{record_id}">{self(row, **{self.link: linked})}</tr>')

    def __call__(self, row: Mapping[str, Any], **own: Markup) -> Markup:
        parts = []
        for key, opening in self.openings:
            parts += (opening, own[key] if key in own else _cell_text(row[key]), "</td>")
        return Markup("".join(parts))

