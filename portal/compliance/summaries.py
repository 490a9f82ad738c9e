"""The per-person-per-year credit summary (credit_year). Compliance reads it instead of the
records: one row a person-year, whatever the number of records.

A row is always recomputed from the records, never adjusted: ``refresh`` does it for the years
an approval touches, in the approval's transaction and with the people's rows locked, so two
approvals for one person cannot each write a total that misses the other. ``rebuild`` does it
set-based for whole years, and ``drift`` compares the stored rows with a recomputation."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import and_, case, delete, exists, extract, func, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, CreditYear, Person

_correction = aliased(CreditRecord)
# Only approved records count, and not one an approved correction has replaced.
COUNTED = and_(
    CreditRecord.status == "approved",
    ~exists().where(_correction.corrects_id == CreditRecord.id, _correction.status == "approved"),
)
# The 各类学分汇总 node: the category's, or (free form) the record's 学分级别.
NODE = case((CreditCategory.summary_node != "", CreditCategory.summary_node), else_=CreditRecord.credit_level)
YEAR = extract("year", CreditRecord.activity_date)


def year_range(year: int) -> tuple[dt.date, dt.date]:
    """The dates of a 统计年度."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass(frozen=True)
class Computed:
    person_id: int
    year: int
    records: int
    credits: Decimal
    hours: Decimal
    class_1: Decimal
    class_2: Decimal
    class_other: Decimal
    buckets: list[list[Any]]
    deeming: dict[str, int]

    def as_row(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "year": self.year, "records": self.records, "credits": self.credits,
                "hours": self.hours, "class_1": self.class_1, "class_2": self.class_2, "class_other": self.class_other,
                "buckets": self.buckets, "deeming": self.deeming}


def compute(*conditions) -> list[Computed]:
    """Summaries recomputed from the counted records matching ``conditions``, one a person-year."""
    query = (
        select(CreditRecord.person_id, YEAR.label("year"), CreditRecord.category_id, CreditRecord.credit_class,
               NODE.label("node"), func.sum(CreditRecord.credits), func.sum(CreditRecord.hours), func.count(),
               func.min(case((CreditRecord.deems_compliant.is_(True), CreditRecord.id))))
        .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
        .where(COUNTED, *conditions)
        .group_by(CreditRecord.person_id, YEAR, CreditRecord.category_id, CreditRecord.credit_class, NODE)
    )
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for person_id, year, *bucket in db.session.execute(query):
        grouped[person_id, int(year)].append(bucket)
    result = []
    for (person_id, year), buckets in grouped.items():
        buckets.sort(key=lambda b: (b[0], b[1], b[2]))
        deeming: dict[str, int] = {}
        for category_id, _class, _node, _credits, _hours, _count, deeming_id in buckets:
            if deeming_id is not None:
                key = str(category_id)
                deeming[key] = min(deeming_id, deeming.get(key, deeming_id))
        by_class = {"I": Decimal("0.00"), "II": Decimal("0.00")}
        for _category, credit_class, _node, credits, *_rest in buckets:
            key = credit_class if credit_class in by_class else "other"
            by_class[key] = by_class.get(key, Decimal("0.00")) + credits
        result.append(Computed(
            person_id=person_id, year=year, records=sum(b[5] for b in buckets),
            credits=sum((b[3] for b in buckets), Decimal("0.00")), hours=sum((b[4] for b in buckets), Decimal("0.0")),
            class_1=by_class["I"], class_2=by_class["II"], class_other=by_class.get("other", Decimal("0.00")),
            buckets=[[c, cls, node or "", f"{credits:.2f}", f"{hours:.1f}"] for c, cls, node, credits, hours, *_ in buckets],
            deeming=deeming,
        ))
    return result


def _person_year(person_id: int, year: int):
    first, last = year_range(year)
    return and_(CreditRecord.person_id == person_id, CreditRecord.activity_date.between(first, last))


def refresh(records: Iterable[CreditRecord]) -> None:
    """Recompute the years these records (and the records they correct) fall in. Call it inside
    the transaction that changes them."""
    pairs = set()
    for record in records:
        pairs.add((record.person_id, record.activity_date.year))
        if record.corrects_id:
            original = db.session.get(CreditRecord, record.corrects_id)
            pairs.add((original.person_id, original.activity_date.year))
    if not pairs:
        return
    people = sorted({person_id for person_id, _ in pairs})
    # Locked in id order, so that concurrent approvals queue instead of deadlocking.
    db.session.execute(select(Person.id).where(Person.id.in_(people)).order_by(Person.id).with_for_update())
    db.session.flush()
    for person_id, year in sorted(pairs):
        _rewrite(person_id, year)


def refresh_category(category_id: int) -> int:
    """Recompute every person-year with counted records of a category (after its 各类学分汇总 node
    changed). Returns how many were recomputed."""
    pairs = db.session.execute(
        select(CreditRecord.person_id, YEAR).where(CreditRecord.category_id == category_id, COUNTED).distinct()
    ).all()
    for person_id, year in pairs:
        _rewrite(person_id, int(year))
    return len(pairs)


def _rewrite(person_id: int, year: int) -> None:
    db.session.execute(delete(CreditYear).where(CreditYear.person_id == person_id, CreditYear.year == year))
    rows = [c.as_row() for c in compute(_person_year(person_id, year))]
    if rows:
        db.session.execute(CreditYear.__table__.insert(), rows)


def _years(years: Iterable[int] | None):
    if years is None:
        return ()
    return (or_(*(CreditRecord.activity_date.between(*year_range(y)) for y in years)),)


def rebuild(years: Iterable[int] | None = None) -> int:
    """Recompute the summary of whole years (all years when None), set-based. Returns the rows written."""
    years = list(years) if years is not None else None
    rows = [c.as_row() for c in compute(*_years(years))]
    stale = delete(CreditYear)
    if years is not None:
        stale = stale.where(CreditYear.year.in_(years))
    db.session.execute(stale)
    for start in range(0, len(rows), 5000):
        db.session.execute(CreditYear.__table__.insert(), rows[start:start + 5000])
    return len(rows)


def drift(years: Iterable[int] | None = None) -> list[tuple[int, int, str]]:
    """Person-years whose stored summary differs from the records: (person id, year, what differs)."""
    years = list(years) if years is not None else None
    expected = {(c.person_id, c.year): c for c in compute(*_years(years))}
    stored_query = select(CreditYear)
    if years is not None:
        stored_query = stored_query.where(CreditYear.year.in_(years))
    stored = {(r.person_id, r.year): r for r in db.session.scalars(stored_query)}
    problems = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key), stored.get(key)
        if have is None:
            problems.append((*key, "missing"))
        elif want is None:
            problems.append((*key, "no counted records"))
        elif (want.records, want.credits, want.hours, want.class_1, want.class_2, want.class_other, want.buckets,
              want.deeming) != (have.records, have.credits, have.hours, have.class_1, have.class_2, have.class_other,
                                have.buckets, have.deeming):
            problems.append((*key, f"stored {have.credits} credits in {have.records} records, "
                                   f"records give {want.credits} in {want.records}"))
    return problems

