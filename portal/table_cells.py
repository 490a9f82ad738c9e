"""The opening tags of a card table's cells (``.table-cards``: on a phone each cell shows its
column's label from ``data-label``). A list page opens one for every cell of every row: made once
a page from the columns, each is ready markup, not a label looked up and escaped again a cell."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from markupsafe import Markup

NOWRAP = Markup(' class="text-nowrap"')


def cell_openings(keys: Iterable[str], labels: Mapping[str, str], nowrap: Iterable[str] = ()) -> list[tuple[str, Markup]]:
    """(key, ``<td data-label="…">``) for each column, in order; ``nowrap`` columns keep their text on one line."""
    nowrap = set(nowrap)
    return [(key, Markup('<td data-label="{}"{}>').format(labels[key], NOWRAP if key in nowrap else ""))
            for key in keys]
