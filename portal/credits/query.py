"""学分情况查询: a person's records in a date range and review status, with totals over every
matching row (总学分, 总学时, I类, II类, 其他). The page, the API and the Excel export read the
same query; whose records may be asked for is decided in it (someone else's person is a 404)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func

from portal.accounts.actor import Actor
from portal.contracts import Column, Table, credits_text, hours_text
from portal.credits import services
from portal.credits.history import level_name
from portal.credits.services import status_label
from portal.dictionaries.services import names
from portal.extensions import db
from portal.models import Certificate, CreditCategory, CreditRecord, Person, Unit
from portal.people import services as people

# The review statuses one can ask for; "all" is every record that is not deleted.
STATUSES = ("all", "submitted", "approved", "rejected", "draft")


class QueryInvalid(ValueError):
    """A filter the user gave cannot be read; the message says which and how to write it."""


@dataclass(frozen=True)
class CreditQuery:
    person: Person
    first: dt.date | None
    last: dt.date | None
    status: str

    def params(self) -> dict[str, str]:
        """The filters as query-string values (for links, the pager and exports)."""
        return {"person_id": str(self.person.id), "from": self.first.isoformat() if self.first else "",
                "to": self.last.isoformat() if self.last else "", "status": self.status}


def _date(value: str | None, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise QueryInvalid(_("%(field)s must be a date such as 2025-01-31.", field=label)) from None


def parse(actor: Actor, params: Mapping[str, str]) -> CreditQuery:
    """Read the filters (from, to, status, person_id) of a page, an API call or an export. The
    dates always name a period (records are kept by year): an empty end date is the end of this
    year, an empty start date the first day of the end date's year."""
    status = params.get("status") or "all"
    if status not in STATUSES:
        raise QueryInvalid(_("Review status must be one of: %(choices)s.", choices=", ".join(STATUSES)))
    first, last = _date(params.get("from"), _("Start date")), _date(params.get("to"), _("End date"))
    last = last or dt.date(dt.date.today().year, 12, 31)
    first = first or dt.date(last.year, 1, 1)
    if first > last:
        raise QueryInvalid(_("The start date is after the end date."))
    return CreditQuery(people.whose(actor, params.get("person_id")), first, last, status)


def _matching(scoped: Select, every_status: bool) -> Select:
    """The records of ``scoped`` (one person's) in the dates and (unless ``every_status``) of the
    status bound when it runs (``_statement``'s values)."""
    stmt = scoped.where(CreditRecord.dated_bound())
    return stmt if every_status else stmt.where(CreditRecord.status == bindparam("status"))


def _derived(matching: Select, kind: str) -> Select:
    """What a query reads of its matching records: their ``sums``, a ``page`` of rows or ``all`` rows."""
    return _summed(matching) if kind == "sums" else _shown(matching, paged=kind == "page")


@cache
def _own(every_status: bool, kind: str) -> Select:
    """A person's query of their own records, the one learners ask every day: built once."""
    return _derived(_matching(services.own(), every_status), kind)


def _statement(actor: Actor, query: CreditQuery, kind: str) -> tuple[Select, dict[str, Any]]:
    """The matching records (scoped to what the actor may see) as ``kind`` (see _derived), with
    the values of its parameters."""
    values = {"person_id": query.person.id, "status": query.status, **CreditRecord.dated_values(query.first, query.last)}
    if actor.is_person(query.person.id):
        return _own(query.status == "all", kind), values
    scoped = services.visible(actor).where(CreditRecord.person_id == bindparam("person_id"))
    return _derived(_matching(scoped, query.status == "all"), kind), values


@dataclass(frozen=True)
class Totals:
    count: int
    credits: Decimal
    hours: Decimal
    class_1: Decimal
    class_2: Decimal
    other: Decimal

    def as_json(self) -> dict[str, str]:
        return {"credits": credits_text(self.credits), "hours": hours_text(self.hours), "class_1": credits_text(self.class_1),
                "class_2": credits_text(self.class_2), "other": credits_text(self.other)}


@dataclass(frozen=True)
class StatusSum:
    status: str
    label: str
    count: int
    credits: Decimal
    hours: Decimal


# The order the split is shown in: what counts first, then what may still count.
SPLIT = ("approved", "submitted", "draft", "rejected")
_NONE = (0, Decimal("0.00"), Decimal("0.0"))


@dataclass(frozen=True)
class Sums:
    """Count, credits and hours of the matching records by (review status, credit class), read in
    one statement: the totals and the split by status are both sums of it."""
    by_status_class: dict[tuple[str, str], tuple[int, Decimal, Decimal]]

    def totals(self) -> Totals:
        count, hours = 0, Decimal("0.0")
        credits = {"I": Decimal("0.00"), "II": Decimal("0.00"), "other": Decimal("0.00")}
        for (_status, cls), (n, c, h) in self.by_status_class.items():
            count, hours = count + n, hours + h
            credits[cls if cls in ("I", "II") else "other"] += c
        return Totals(count=count, credits=sum(credits.values(), Decimal("0.00")), hours=hours, class_1=credits["I"],
                      class_2=credits["II"], other=credits["other"])

    def by_status(self) -> list[StatusSum]:
        """Per review status: approved always, the others when there are some."""
        found: dict[str, tuple[int, Decimal, Decimal]] = {}
        for (status, _cls), (n, credits, hours) in self.by_status_class.items():
            was = found.get(status, _NONE)
            found[status] = (was[0] + n, was[1] + credits, was[2] + hours)
        return [StatusSum(status, status_label(status), *found.get(status, _NONE))
                for status in SPLIT if status == "approved" or status in found]


def _summed(matching: Select) -> Select:
    """The matching records' count and sums by status and class: the same WHERE as the rows with
    other columns, not a subquery of the whole record (whose forty columns cost a query page
    milliseconds to build)."""
    key = (CreditRecord.status, CreditRecord.credit_class)
    return matching.with_only_columns(*key, func.count(), func.sum(CreditRecord.credits),
                                      func.sum(CreditRecord.hours)).group_by(*key)


def sums(actor: Actor, query: CreditQuery) -> Sums:
    summed, values = _statement(actor, query, "sums")
    return Sums({(status, cls): (n, credits, hours) for status, cls, n, credits, hours in db.session.execute(summed, values)})


def totals(actor: Actor, query: CreditQuery) -> Totals:
    """Count and sums over every matching record, by class."""
    return sums(actor, query).totals()


# The columns of DOMAIN.md, in order: (key, export kind, width).
COLUMNS = (
    ("date", "date", 12), ("number", "text", 16), ("name", "text", 36), ("activity_type", "text", 10),
    ("credit_level", "text", 22), ("discipline", "text", 14), ("hosting_method", "text", 14), ("hours", "hours", 8),
    ("credits", "credits", 8), ("status", "text", 10), ("comment", "text", 24), ("unit", "text", 24),
)
KEYS = tuple(key for key, kind, width in COLUMNS)


def column_labels() -> dict[str, str]:
    return {"date": _("Date"), "number": _("Project number"), "name": _("Activity name"), "activity_type": _("Activity type"),
            "credit_level": _("Credit level"), "discipline": _("Subject"), "hosting_method": _("Hosting method"),
            "hours": _("Hours"), "credits": _("Credits"), "status": _("Review status"), "comment": _("Review comment"),
            "unit": _("Entered by unit")}


def rows(actor: Actor, query: CreditQuery, limit: int | None = None, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The matching records as the columns show them, oldest first: all of them streamed, or a page."""
    if limit is None:
        return _rows(*_statement(actor, query, "all"), streamed=True)
    page, values = _statement(actor, query, "page")
    return _rows(page, {**values, "shown_limit": limit, "shown_offset": offset}, streamed=False)


# The record's columns a row shows.
_SHOWN = (CreditRecord.id, CreditRecord.activity_id, CreditRecord.activity_date, CreditRecord.activity_number,
          CreditRecord.activity_name, CreditRecord.activity_type, CreditRecord.credit_level, CreditRecord.wizard_rule,
          CreditRecord.discipline, CreditRecord.hosting_method, CreditRecord.hours, CreditRecord.credits,
          CreditRecord.credit_class, CreditRecord.status, CreditRecord.review_comment)


def _shown(selected: Select, paged: bool) -> Select:
    """The columns a row shows of the records ``selected`` (a select of CreditRecord), oldest first;
    ``paged``: limit and offset bound when it runs (shown_limit, shown_offset)."""
    # The record's certificate, when it has one that stands (its PDF and credential are offered beside it).
    stmt = (selected.with_only_columns(*_SHOWN, Unit.name.label("unit_name"), CreditCategory.name.label("category_name"),
                                       Certificate.number.label("certificate"))
            .join_from(CreditRecord, Unit, Unit.id == CreditRecord.unit_id)
            .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
            .outerjoin(Certificate, (Certificate.record_id == CreditRecord.id) & Certificate.revoked_at.is_(None))
            .order_by(CreditRecord.activity_date, CreditRecord.id))
    return stmt.limit(bindparam("shown_limit")).offset(bindparam("shown_offset")) if paged else stmt


def shown(selected: Select, limit: int | None = None, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The records ``selected`` (a select of CreditRecord) as the columns show them, oldest first:
    all of them streamed, or ``limit`` of them from ``offset``."""
    return _rows(_shown(selected, paged=False).limit(limit).offset(offset), streamed=limit is None)


def _rows(stmt: Select, values: dict[str, Any] | None = None, *, streamed: bool) -> Iterator[dict[str, Any]]:
    """``streamed``: read in batches through a server-side cursor, for every matching record (an
    export, the API's list). A page's few rows are read at once: on PostgreSQL the cursor's DECLARE,
    FETCH and CLOSE are three round trips besides the query's own."""
    dictionaries = {name: names(name) for name in ("activity_types", "credit_levels", "disciplines", "hosting_methods")}
    options = {"yield_per": 1000} if streamed else {}
    for r in db.session.execute(stmt, values, execution_options=options).mappings():
        yield {
            "id": r["id"], "activity_id": r["activity_id"], "date": r["activity_date"], "number": r["activity_number"],
            "name": r["activity_name"],
            "activity_type": dictionaries["activity_types"].get(r["activity_type"], r["activity_type"]),
            "credit_level": level_name(r["credit_level"], r["wizard_rule"], r["category_name"], dictionaries["credit_levels"]),
            "discipline": dictionaries["disciplines"].get(r["discipline"], r["discipline"]),
            "hosting_method": dictionaries["hosting_methods"].get(r["hosting_method"], r["hosting_method"]),
            "hours": r["hours"], "credits": r["credits"], "class": r["credit_class"], "status_code": r["status"],
            "status": status_label(r["status"]), "comment": r["review_comment"], "unit": r["unit_name"],
            "certificate": r["certificate"],
        }


def credit_table(actor: Actor, params: Mapping[str, str]) -> Table:
    query = parse(actor, params)
    labels = column_labels()
    sums = totals(actor, query)
    totals_row: dict[str, Any] = {
        "date": _("Total"), "hours": sums.hours, "credits": sums.credits,
        "name": _("Class I %(i)s, Class II %(ii)s, other %(other)s", i=sums.class_1, ii=sums.class_2, other=sums.other),
    }
    return Table(
        title=_("Credit query"), filename=_("Credit query %(name)s", name=query.person.name),
        columns=tuple(Column(labels[key], kind, width) for key, kind, width in COLUMNS),
        rows=(tuple(row[key] for key in KEYS) for row in rows(actor, query)),
        totals=tuple(totals_row.get(key, "") for key in KEYS), expected_rows=sums.count,
    )
