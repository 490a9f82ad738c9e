"""One page of a list, and reading it from a query: the page's rows and the total count."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func

from portal.extensions import db


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page_number() -> int:
    """The page asked for by ``?page=`` (1 when missing or unreadable)."""
    return max(request.args.get("page", 1, type=int), 1)


def paginate(query: Select, order_by: tuple, per_page: int, options: tuple = (),
             shown: Callable[[Select], Select] | None = None) -> Page:
    """The page named by ``?page=`` of ``query`` (ORM entities), or of what ``shown`` makes of the
    page's select (rows of the columns a list shows: loading entities and their relations costs a
    list of twenty a millisecond more than reading its columns)."""
    number = page_number()
    # COUNT(*), not COUNT(id): PostgreSQL can then answer from the index alone. The FROM is kept
    # from the entities: a query with no WHERE would otherwise count one row of no table.
    total = db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)) or 0
    if total <= (number - 1) * per_page:
        return Page([], total, number, per_page)
    page = query.order_by(*order_by).limit(per_page).offset((number - 1) * per_page)
    if shown is not None:
        return Page(db.session.execute(shown(page)).all(), total, number, per_page)
    return Page(db.session.scalars(page.options(*options)).unique().all(), total, number, per_page)


def paginate_list(rows: list[Any], per_page: int) -> Page:
    """The page named by ``?page=`` of rows already in memory (past the last page: the last)."""
    pages = max(1, -(-len(rows) // per_page))
    number = min(page_number(), pages)
    return Page(rows[(number - 1) * per_page:number * per_page], len(rows), number, per_page)
