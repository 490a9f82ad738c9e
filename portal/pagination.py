"""One page of a list, and reading it from a query: the page's rows and the total count."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, bindparam, func

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


@dataclass(frozen=True)
class Listing:
    """A list's two statements: the count of ``query``'s rows, and a page of them in ``order_by``
    (limit and offset bound when it runs) as ORM entities with ``options``, or as what ``shown``
    makes of the page's select (rows of the columns a list shows: loading entities and their
    relations costs a list of twenty a millisecond more than reading its columns). A page that
    asks on every request keeps its listing (functools.cache, its own parameters bound): a
    statement built and keyed again each time costs more than PostgreSQL takes to answer it."""
    count: Select
    rows: Select
    entities: bool

    @classmethod
    def of(cls, query: Select, order_by: tuple, options: tuple = (),
           shown: Callable[[Select], Select] | None = None) -> Listing:
        # COUNT(*), not COUNT(id): PostgreSQL can then answer from the index alone. The FROM is kept
        # from the entities: a query with no WHERE would otherwise count one row of no table.
        count = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        page = query.order_by(*order_by).limit(bindparam("page_limit")).offset(bindparam("page_offset"))
        return cls(count, shown(page) if shown is not None else page.options(*options), shown is None)

    def read(self, per_page: int, values: dict[str, Any] | None = None) -> Page:
        """The page named by ``?page=``, with ``values`` for the statements' own parameters."""
        number = page_number()
        total = db.session.scalar(self.count, values) or 0
        if total <= (number - 1) * per_page:
            return Page([], total, number, per_page)
        found = db.session.execute(self.rows, {**(values or {}), "page_limit": per_page,
                                               "page_offset": (number - 1) * per_page})
        return Page(found.scalars().unique().all() if self.entities else found.all(), total, number, per_page)


def paginate(query: Select, order_by: tuple, per_page: int, options: tuple = (),
             shown: Callable[[Select], Select] | None = None) -> Page:
    """The page named by ``?page=`` of ``query`` (see Listing)."""
    return Listing.of(query, order_by, options, shown).read(per_page)


def paginate_list(rows: list[Any], per_page: int) -> Page:
    """The page named by ``?page=`` of rows already in memory (past the last page: the last)."""
    pages = max(1, -(-len(rows) // per_page))
    number = min(page_number(), pages)
    return Page(rows[(number - 1) * per_page:number * per_page], len(rows), number, per_page)
