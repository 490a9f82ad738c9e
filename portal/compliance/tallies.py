"""Each year's compliance counted per unit: what the provincial and city dashboards, their
trends, rankings and exports read. A closed year is judged once and kept (unit_year_tally, with
the time it was computed, shown beside the figures). An approval touching a closed year marks
the units its person stood in (summaries.refresh): those units alone are judged again when
next read. A re-judging of the year or the provincial admin's 重新计算往年数据 forget
the whole year. The current year is judged on every request."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from portal.compliance import services, versions
from portal.extensions import db
from portal.models import UnitYearTally, clock


@dataclass(frozen=True)
class Count:
    staff: int = 0
    compliant: int = 0
    judged: int = 0  # staff some rule set applies to

    def __add__(self, other: Count) -> Count:
        return Count(self.staff + other.staff, self.compliant + other.compliant, self.judged + other.judged)


@dataclass(frozen=True)
class YearCounts:
    year: int
    units: dict[int, Count]  # unit id (the unit people stood in that year) → its count
    computed_at: dt.datetime | None  # None: judged for this request

    def total(self, members: Collection[int] | None = None) -> Count:
        """The count of the units in ``members`` (None: every unit)."""
        total = Count()
        for unit_id, count in self.units.items():
            if members is None or unit_id in members:
                total += count
        return total


def _judge(year: int, unit_ids: list[int] | None = None) -> dict[int, Count]:
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for answer in services.results(year, unit_ids):
        count = found[answer.unit_id]
        count[0] += 1
        count[1] += answer.verdict.compliant is True
        count[2] += answer.verdict.compliant is not None
    return {unit_id: Count(*values) for unit_id, values in found.items()}


def _keep(year: int, counts: dict[int, Count], now: dt.datetime) -> None:
    if counts:
        db.session.execute(insert(UnitYearTally), [
            {"year": year, "unit_id": unit_id, "staff": c.staff, "compliant": c.compliant, "judged": c.judged,
             "computed_at": now, "stale": False} for unit_id, c in counts.items()])


def kept(year: int) -> bool:
    """Whether the closed year's counts are kept (reading them costs no judging but of stale units)."""
    return db.session.scalar(select(UnitYearTally.year).where(UnitYearTally.year == year).limit(1)) is not None


def year_counts(year: int, today: dt.date | None = None) -> YearCounts:
    """The year per unit: kept for a closed year (judged and kept the first time it is asked for;
    units an approval touched since are judged again, alone)."""
    if not versions.closed(year, today):
        return YearCounts(year, _judge(year), None)
    rows = db.session.execute(select(UnitYearTally.unit_id, UnitYearTally.staff, UnitYearTally.compliant,
                                     UnitYearTally.judged, UnitYearTally.computed_at, UnitYearTally.stale)
                              .where(UnitYearTally.year == year)).all()
    now = clock.now()
    counts = {r.unit_id: Count(r.staff, r.compliant, r.judged) for r in rows if not r.stale}
    when = {r.unit_id: r.computed_at for r in rows if not r.stale}
    stale = [r.unit_id for r in rows if r.stale]
    if not rows or stale:
        again = _judge(year, stale or None)
        if stale:
            db.session.execute(delete(UnitYearTally).where(UnitYearTally.year == year, UnitYearTally.unit_id.in_(stale)))
        _keep(year, again, now)
        counts |= again
        when |= dict.fromkeys(again, now)
        try:
            db.session.commit()
        except IntegrityError:  # another request kept the same year at the same moment: its rows stand
            db.session.rollback()
    return YearCounts(year, counts, min(when.values(), default=now))


def forget(*years: int) -> None:
    """Judge these years again when next asked for (no years: every kept year). In the caller's
    transaction."""
    query = delete(UnitYearTally)
    db.session.execute(query.where(UnitYearTally.year.in_(years)) if years else query)


def recount() -> None:
    """Every kept year judged again when next asked for (the provincial admin's 重新计算往年数据)."""
    forget()
    db.session.commit()
