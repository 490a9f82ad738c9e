"""The per-person-per-year credit summary: a credit_year row with the year's totals and its
credit_year_bucket rows (credits by category, class and 各类学分汇总 node). Compliance reads
them instead of the records: a row or a few a person-year, whatever the number of records.

Rows are always recomputed from the records, never adjusted: ``refresh`` does it for the years
an approval touches, in the approval's transaction and with the people's rows locked, so two
approvals for one person cannot each write a total that misses the other. ``rebuild`` does it
set-based for whole years, and ``drift`` compares the stored rows with a recomputation."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, select, tuple_

from portal.contracts import DEEMS_YEARS_AFTER
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, CreditYear, CreditYearBucket, Person
from portal.models.tallies import mark_people, mark_years

# Only approved records count, and not one an approved correction has replaced.
COUNTED = and_(CreditRecord.status == "approved", CreditRecord.superseded.is_(False))
# The 各类学分汇总 node: the category's, or (free form) the record's 学分级别.
NODE = case((CreditCategory.summary_node != "", CreditCategory.summary_node), else_=CreditRecord.credit_level)
YEAR = CreditRecord.credit_year
ZERO = Decimal("0.00")
# Columns compared by drift(), besides the keys.
YEAR_FIGURES = ("records", "credits", "hours", "class_1", "class_2", "class_other", "hourless_credits")
BUCKET_FIGURES = ("records", "credits", "hours", "deeming_record_id")
BUCKET_KEY = ("category_id", "credit_class", "node")
CHUNK = 1000  # people recomputed at once after a category change


def year_range(year: int) -> tuple[dt.date, dt.date]:
    """The dates of a 统计年度."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass
class Computed:
    """One person-year recomputed: its credit_year row and its bucket rows."""

    year_row: dict[str, Any]
    buckets: list[dict[str, Any]] = field(default_factory=list)


def compute(person_ids: Iterable[int] | None = None, years: Iterable[int] | None = None,
            groups: set[tuple[int, int, str]] | None = None) -> dict[tuple[int, int], Computed]:
    """(person id, year) → the summary recomputed from the counted records of ``person_ids``
    (everyone when None) dated in ``years`` (all when None). A
    deeming record marks the years it deems, which a period (进修 from September ...) may place
    outside its activity date's year. ``groups``: the (person id, category id, class) groups
    whose buckets alone are made; the year rows are whole all the same."""
    wanted = set(years) if years is not None else None
    scope = []
    if person_ids is not None:
        scope.append(CreditRecord.person_id.in_(list(person_ids)))
    if wanted is not None:
        scope.append(CreditRecord.credit_year.in_(sorted(wanted)))
    found: dict[tuple[int, int], Computed] = {}
    if groups is not None:
        _year_rows(found, scope)
        scope.append(tuple_(CreditRecord.person_id, CreditRecord.category_id, CreditRecord.credit_class).in_(sorted(groups)))
    query = (
        select(CreditRecord.person_id, YEAR.label("year"), CreditRecord.category_id, CreditRecord.credit_class,
               NODE.label("node"), func.count(), func.sum(CreditRecord.credits), func.sum(CreditRecord.hours),
               func.sum(case((CreditRecord.hours == 0, CreditRecord.credits), else_=0)))
        .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
        .where(COUNTED, *scope)
        .group_by(CreditRecord.person_id, YEAR, CreditRecord.category_id, CreditRecord.credit_class, NODE)
    )
    buckets: dict[tuple, dict[str, Any]] = {}
    for person_id, year, category_id, credit_class, node, records, credits, hours, hourless in db.session.execute(query):
        summary = _summary(found, person_id, int(year))
        if groups is None:
            row = summary.year_row
            row["records"] += records
            row["credits"] += credits
            row["hours"] += hours
            row["hourless_credits"] += hourless or ZERO
            column = {"I": "class_1", "II": "class_2"}.get(credit_class, "class_other")
            row[column] += credits
        bucket = _bucket(summary, buckets, category_id, credit_class, node or "")
        bucket.update(records=records, credits=credits, hours=hours)
    deeming = (select(CreditRecord.id, CreditRecord.person_id, CreditRecord.activity_date, CreditRecord.deems_years,
                      CreditRecord.category_id, CreditRecord.credit_class, NODE.label("node"))
               .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
               .where(COUNTED, CreditRecord.deems_compliant.is_(True))
               .order_by(CreditRecord.id))
    if person_ids is not None:
        deeming = deeming.where(CreditRecord.person_id.in_(list(person_ids)))
    if wanted:
        # A record deems its own year or later ones (DEEMS_YEARS_AFTER at most): read only those partitions.
        deeming = deeming.where(CreditRecord.of_years(min(wanted) - DEEMS_YEARS_AFTER, max(wanted)))
    # Every deeming record, whatever ``groups``: a year it deems has a year row, records or not.
    for record_id, person_id, day, deems_years, category_id, credit_class, node in db.session.execute(deeming):
        for year in deems_years or [day.year]:
            if wanted is None or year in wanted:
                summary = _summary(found, person_id, year)
                if groups is not None and (person_id, category_id, credit_class) not in groups:
                    continue
                bucket = _bucket(summary, buckets, category_id, credit_class, node or "")
                if bucket["deeming_record_id"] is None:
                    bucket["deeming_record_id"] = record_id
    return found


def _year_rows(found: dict[tuple[int, int], Computed], scope: list) -> None:
    """The year rows of ``scope``'s counted records, summed in one statement (compute() otherwise
    adds them up from the buckets, which it then makes of some groups only)."""
    def of_class(name: str):
        return func.sum(case((CreditRecord.credit_class == name, CreditRecord.credits), else_=0))

    query = (select(CreditRecord.person_id, YEAR, func.count(), func.sum(CreditRecord.credits),
                    func.sum(CreditRecord.hours), func.sum(case((CreditRecord.hours == 0, CreditRecord.credits), else_=0)),
                    of_class("I"), of_class("II"))
             .where(COUNTED, *scope).group_by(CreditRecord.person_id, YEAR))
    for person_id, year, records, credits, hours, hourless, class_1, class_2 in db.session.execute(query):
        _summary(found, person_id, int(year)).year_row.update(
            records=records, credits=credits, hours=hours, hourless_credits=hourless or ZERO, class_1=class_1,
            class_2=class_2, class_other=credits - class_1 - class_2)


def _summary(found: dict[tuple[int, int], Computed], person_id: int, year: int) -> Computed:
    if (person_id, year) not in found:
        found[person_id, year] = Computed({
            "person_id": person_id, "year": year, "records": 0, "credits": ZERO, "hours": Decimal("0.0"),
            "class_1": ZERO, "class_2": ZERO, "class_other": ZERO, "hourless_credits": ZERO})
    return found[person_id, year]


def _bucket(summary: Computed, buckets: dict[tuple, dict[str, Any]], category_id: int, credit_class: str,
            node: str) -> dict[str, Any]:
    """The summary's bucket of this key, made empty (a year deemed by a record of another year) when new."""
    row = summary.year_row
    key = (row["person_id"], row["year"], category_id, credit_class, node)
    if key not in buckets:
        buckets[key] = {"person_id": key[0], "year": key[1], "category_id": category_id, "credit_class": credit_class,
                        "node": node, "records": 0, "credits": ZERO, "hours": Decimal("0.0"), "deeming_record_id": None}
        summary.buckets.append(buckets[key])
    return buckets[key]


def refresh(records: Iterable[CreditRecord]) -> None:
    """Recompute the years these records (and the records they correct) fall in. Call it inside
    the transaction that changes them."""
    pairs, touched = set(), set()
    for record in records:
        pairs.update((record.person_id, year) for year in _years_of(record))
        touched.add(_group_of_record(record))
        if record.corrects_id:
            original = db.session.get(CreditRecord, record.corrects_id)
            pairs.update((original.person_id, year) for year in _years_of(original))
            touched.add(_group_of_record(original))
    if not pairs:
        return
    people = sorted({person_id for person_id, _ in pairs})
    # Locked in id order, so that concurrent approvals queue instead of deadlocking.
    db.session.execute(select(Person.id).where(Person.id.in_(people)).order_by(Person.id).with_for_update())
    db.session.flush()
    _rewrite(people, {year for _, year in pairs}, touched)
    # The units these people stood in wait for the tallies job, from the first year changed on
    # (multi-year requirements look back).
    mark_people(people, min(year for _, year in pairs))


def _group_of_record(record: CreditRecord) -> tuple[int, int, str]:
    """(person id, category id, class): the buckets a record counts in, whatever their year and node."""
    return record.person_id, record.category_id, record.credit_class


def _years_of(record: CreditRecord) -> set[int]:
    """The years a record's approval or replacement changes: its own and those it deems."""
    return {record.activity_date.year, *(record.deems_years or ())}


def refresh_category(category_id: int) -> int:
    """Recompute every person-year with counted records of a category (after its 各类学分汇总 node
    changed). Returns how many were recomputed."""
    pairs = set()
    for record in db.session.scalars(select(CreditRecord).where(CreditRecord.category_id == category_id, COUNTED)):
        pairs.update((record.person_id, year) for year in _years_of(record))
    people, years = sorted({person_id for person_id, _ in pairs}), {year for _, year in pairs}
    for start in range(0, len(people), CHUNK):
        _rewrite(people[start:start + CHUNK], years)
    if pairs:
        mark_years(min(years))
    return len(pairs)


def _rewrite(people: list[int], years: set[int], touched: set[tuple[int, int, str]] | None = None) -> None:
    """Recompute these people's summaries of these years and write what differs from the stored
    rows, in a few statements whatever their number. An approval changes a bucket or two of each
    person-year, not the dozen or so others: ``touched`` names the (person id, category id, class)
    groups its records count in, and the buckets of other groups (unchanged: a bucket sums its own
    group's records) are neither read back nor compared. None: every bucket."""
    fresh = compute(person_ids=people, years=years, groups=touched).values()
    buckets = [b for s in fresh for b in s.buckets]
    of_touched = [] if touched is None else [tuple_(CreditYearBucket.person_id, CreditYearBucket.category_id,
                                                    CreditYearBucket.credit_class).in_(sorted(touched))]
    for model, rows, where in ((CreditYear, [s.year_row for s in fresh], []), (CreditYearBucket, buckets, of_touched)):
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        stored = _stored(model, model.person_id.in_(people), model.year.in_(sorted(years)), *where)
        wanted = {tuple(r[k] for k in keys): r for r in rows}
        gone = [key for key in stored if key not in wanted]
        new = [row for key, row in wanted.items() if key not in stored]
        changed = [{**{f"key_{k}": row[k] for k in keys}, **{c: row[c] for c in row if c not in keys}}
                   for key, row in wanted.items() if key in stored and stored[key] != row]
        if gone:
            db.session.execute(delete(table).where(tuple_(*(table.c[k] for k in keys)).in_(gone)))
        if new:
            db.session.execute(table.insert(), new)
        if changed:
            db.session.execute(table.update().where(*(table.c[k] == bindparam(f"key_{k}") for k in keys)), changed)


def _stored(model: type[CreditYear] | type[CreditYearBucket], *where) -> dict[tuple, dict[str, Any]]:
    """The stored summary rows of ``model`` that match ``where``, as plain rows by primary key."""
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    return {tuple(r[k] for k in keys): dict(r) for r in db.session.execute(select(table).where(*where)).mappings()}


def _insert(summaries: Iterable[Computed], chunk: int = 5000) -> int:
    year_rows, bucket_rows = [], []
    for summary in summaries:
        year_rows.append(summary.year_row)
        bucket_rows.extend(summary.buckets)
    for table, rows in ((CreditYear.__table__, year_rows), (CreditYearBucket.__table__, bucket_rows)):
        for start in range(0, len(rows), chunk):
            db.session.execute(table.insert(), rows[start:start + chunk])
    return len(year_rows)


def rebuild(years: Iterable[int] | None = None) -> int:
    """Recompute the summary of whole years (all years when None), set-based. Returns the
    person-years written."""
    years = list(years) if years is not None else None
    computed = compute(years=years)
    for model in (CreditYearBucket, CreditYear):
        stale = delete(model)
        db.session.execute(stale.where(model.year.in_(years)) if years is not None else stale)
    mark_years(min(years, default=0) if years is not None else 0)
    return _insert(computed.values())


def drift(years: Iterable[int] | None = None) -> list[tuple[int, int, str]]:
    """Person-years whose stored summary differs from the records: (person id, year, what differs)."""
    years = list(years) if years is not None else None
    expected = compute(years=years)
    stored: dict[tuple[int, int], Computed] = {}
    for model in (CreditYear, CreditYearBucket):
        for values in _stored(model, *([model.year.in_(years)] if years is not None else [])).values():
            summary = stored.setdefault((values["person_id"], values["year"]), Computed({}))
            if model is CreditYear:
                summary.year_row = values
            else:
                summary.buckets.append(values)
    problems = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key), stored.get(key)
        if have is None or not have.year_row:
            problems.append((*key, "missing"))
        elif want is None:
            problems.append((*key, "no counted records"))
        elif _figures(want) != _figures(have):
            problems.append((*key, f"stored {have.year_row['credits']} credits in {have.year_row['records']} records, "
                                   f"records give {want.year_row['credits']} in {want.year_row['records']}"))
    return problems


def _figures(summary: Computed) -> tuple:
    return (tuple(summary.year_row[name] for name in YEAR_FIGURES),
            sorted(tuple(b[name] for name in BUCKET_KEY + BUCKET_FIGURES) for b in summary.buckets))
