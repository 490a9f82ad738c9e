"""Each year's compliance counted per unit and judged per person, for every year the current one
included: what the provincial and city dashboards, their drill-down to a unit's people, their
trends, rankings and exports read. Never judged in a page request: the tallies job (``run``,
started through portal.background by ``portal tallies``, a timer, the provincial admin's
重新计算 and the first visit of a year without tallies) judges units in chunks of a few thousand
people with ``services.results`` and commits each chunk, so a crash loses one chunk and memory
stays flat. Changes that may alter people's figures mark their units stale in their own
transaction (portal.models.tallies): an incremental run judges only those, a full run every unit.

Runs of a year never interleave: a run takes the year's tally_run row (a second start while it
runs and beats does nothing). A chunk first updates its units' rows, which holds off (PostgreSQL:
row locks; SQLite: the write lock) a concurrent approval's stale mark until the chunk commits, so
a mark is never overwritten by figures judged before its change."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from flask import abort, current_app
from redis.exceptions import RedisError
from sqlalchemy import bindparam, delete, func, or_, select, update

from portal import background
from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.compliance import services
from portal.extensions import db
from portal.models import Person, PersonYearVerdict, TallyRun, Unit, UnitYearTally, clock
from portal.models.tallies import insert_ignoring_conflicts
from portal.models.types import inline_ids

# A chunk: units whose staff add up to about this many people (a bigger unit is a chunk alone).
CHUNK_PEOPLE = 3000
# A run that has not beaten for this long died: the next start takes the year over.
RUN_STALE = dt.timedelta(minutes=10)
JOB_TIMEOUT = 3 * 3600
RUN = "portal.compliance.tallies.run"
# Years a run without --year covers: this one and the four before (the dashboards' trend).
DEFAULT_YEARS = 5


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
    computed_at: dt.datetime | None  # when the last run of the year finished; None: never computed
    stale: int = 0  # units waiting for the next run (their last figures are shown meanwhile)

    def total(self, members: Collection[int] | None = None) -> Count:
        """The count of the units in ``members`` (None: every unit)."""
        total = Count()
        for unit_id, count in self.units.items():
            if members is None or unit_id in members:
                total += count
        return total


def year_counts(year: int) -> YearCounts:
    """The year per unit as the last runs left it (no judging)."""
    rows = db.session.execute(select(UnitYearTally.unit_id, UnitYearTally.staff, UnitYearTally.compliant,
                                     UnitYearTally.judged, UnitYearTally.computed_at, UnitYearTally.stale)
                              .where(UnitYearTally.year == year)).all()
    finished = db.session.scalar(select(TallyRun.finished_at).where(TallyRun.year == year))
    kept = [r for r in rows if r.computed_at.year > 1970]  # not a unit marked before its first judging
    return YearCounts(year, {r.unit_id: Count(r.staff, r.compliant, r.judged) for r in rows if r.staff},
                      (finished or max(r.computed_at for r in kept)) if kept else None, sum(1 for r in rows if r.stale))


def fresh(year: int, unit_ids: Collection[int]) -> Count | None:
    """The count of these units when each is tallied and none waits for a run (None otherwise)."""
    rows = db.session.execute(select(UnitYearTally.staff, UnitYearTally.compliant, UnitYearTally.judged,
                                     UnitYearTally.stale).where(UnitYearTally.year == year,
                                                                UnitYearTally.unit_id.in_(list(unit_ids)))).all()
    if not rows or any(r.stale for r in rows):
        return None
    return sum((Count(r.staff, r.compliant, r.judged) for r in rows), Count())


def running(year: int) -> bool:
    return db.session.scalar(select(TallyRun.year).where(TallyRun.year == year, _live_run())) is not None


def default_years() -> list[int]:
    """This year and the four before, and any earlier year with units waiting."""
    this = clock.now().year
    waiting = db.session.scalars(select(UnitYearTally.year).where(UnitYearTally.stale).distinct())
    return sorted(set(range(this - DEFAULT_YEARS + 1, this + 1)) | set(waiting))


def shown(years: list[int]) -> dict[int, YearCounts]:
    """The years as a page shows them; the job is started for those never computed (their
    figures are being computed, not judged for the page)."""
    counts = {year: year_counts(year) for year in years}
    missing = [year for year, c in counts.items() if c.computed_at is None]
    if missing:
        try:
            start(missing, full=True)
        except RedisError:  # the page still shows what is kept; the timer's run computes the rest
            current_app.logger.exception("tallies of %s could not be queued", missing)
    return counts


def start(years: list[int], full: bool = False) -> bool:
    """Run the job for ``years`` in the background; False (nothing started) when each of them is
    being computed already."""
    years = [y for y in years if not running(y)]
    if years:
        background.run_later(RUN, years, full, timeout=JOB_TIMEOUT)
    return bool(years)


def recount(actor: Actor, years: list[int]) -> bool:
    """The provincial admin's 重新计算: a full run of ``years`` (audited); False when it runs already."""
    if not actor.is_province_admin:
        abort(403)
    started = start(years, full=True)
    if started:
        audit.write(audit.TALLIES_RECOUNT, None, actor, None, after={"years": years})
        db.session.commit()
    return started


def audit_export(actor: Actor, year: int, city_id: int | None) -> None:
    """The province-wide (or a city's) list of people not compliant was asked for: it lists personal data."""
    audit.write(audit.FAILING_EXPORT, None, actor, city_id, after={"year": year})
    db.session.commit()


# --- the job ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ran:
    year: int
    units: int
    people: int


def run(years: list[int], full: bool = False) -> list[Ran]:
    """Judge the stale units (``full``: every unit) of each year, a chunk per transaction. A year
    never computed is computed in full. A year another run holds is left to it (not in the result)."""
    done = []
    for year in years:
        if _take(year, full):
            try:
                done.append(_run_year(year, full))
            finally:
                db.session.rollback()
                _set(year, running_since=None)
    return done


def _run_year(year: int, full: bool) -> Ran:
    if full or not db.session.scalar(select(func.count()).where(UnitYearTally.year == year)):
        units = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
    else:
        units = list(db.session.scalars(select(UnitYearTally.unit_id).where(UnitYearTally.year == year,
                                                                            UnitYearTally.stale)
                                        .order_by(UnitYearTally.unit_id)))
    _set(year, units_total=len(units))
    db.session.commit()  # no read snapshot held across chunks
    done = people = 0
    for chunk in chunks(units):
        people += _judge(year, chunk)
        done += len(chunk)
        _set(year, units_done=done, beat_at=clock.now())
    _set(year, finished_at=clock.now())
    current_app.logger.info("tallies %s: %s units, %s people judged", year, done, people)
    return Ran(year, done, people)


def chunks(units: list[int]) -> Iterator[list[int]]:
    """``units`` in runs whose staff (counted as they stand now) add up to about CHUNK_PEOPLE: what
    one ``services.results`` call judges at a time when many units are judged (memory stays flat)."""
    staff = dict(db.session.execute(select(Person.unit_id, func.count()).where(Person.unit_id.in_(units))
                                    .group_by(Person.unit_id)).all())
    db.session.commit()
    chunk, people = [], 0
    for unit_id in units:
        if chunk and people + staff.get(unit_id, 0) > CHUNK_PEOPLE:
            yield chunk
            chunk, people = [], 0
        chunk.append(unit_id)
        people += staff.get(unit_id, 0)
    if chunk:
        yield chunk


_T = UnitYearTally.__table__.c
_CHANGE = (update(UnitYearTally.__table__).where(_T.year == bindparam("b_year"), _T.unit_id == bindparam("b_unit"))
           .values(staff=bindparam("b_staff"), compliant=bindparam("b_compliant"), judged=bindparam("b_judged"),
                   computed_at=bindparam("b_at"), stale=False))


def _judge(year: int, units: list[int]) -> int:
    """Judge the people of ``units`` that year, write their units' counts and their verdicts, and
    commit. Returns how many people."""
    # First of all: hold off stale marks of these units until this chunk commits (module docstring).
    db.session.execute(update(UnitYearTally.__table__).where(_T.year == year, _T.unit_id.in_(units)).values(stale=_T.stale))
    answers = services.results(year, units)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    verdicts = []
    for answer in answers:
        verdict, count = answer.verdict, counts[answer.unit_id]
        count[0] += 1
        count[1] += verdict.compliant is True
        count[2] += verdict.compliant is not None
        rules = verdict.rule_set
        verdicts.append({
            "year": year, "person_id": answer.person_id, "unit_id": answer.unit_id, "title_level": answer.title_level,
            "compliant": verdict.compliant, "credits": verdict.credits, "hours": verdict.hours,
            "class_1": verdict.class_1, "class_2": verdict.class_2,
            "required": rules.min_credits if rules else None, "required_class_1": rules.class_1_min if rules else None,
            "required_class_2": rules.class_2_min if rules else None,
            "shortfalls": [s.message for s in verdict.shortfalls]})
    now = clock.now()
    kept = set(db.session.scalars(select(UnitYearTally.unit_id).where(UnitYearTally.year == year,
                                                                      UnitYearTally.unit_id.in_(units))))
    changed = [{"b_year": year, "b_unit": u, "b_staff": c[0], "b_compliant": c[1], "b_judged": c[2], "b_at": now}
               for u, c in ((u, counts.get(u, (0, 0, 0))) for u in units) if u in kept]
    new = [{"year": year, "unit_id": u, "staff": c[0], "compliant": c[1], "judged": c[2], "computed_at": now,
            "stale": False} for u, c in counts.items() if u not in kept]
    if changed:
        db.session.execute(_CHANGE, changed)
    if new:
        db.session.execute(insert_ignoring_conflicts(UnitYearTally.__table__), new)
    db.session.execute(delete(PersonYearVerdict).where(PersonYearVerdict.year == year, or_(
        PersonYearVerdict.unit_id.in_(units), PersonYearVerdict.person_id.in_(inline_ids([a.person_id for a in answers])))))
    if verdicts:
        db.session.execute(PersonYearVerdict.__table__.insert(), verdicts)
    db.session.commit()
    return len(answers)


def _live_run():
    return TallyRun.running_since.is_not(None) & (TallyRun.beat_at >= clock.now() - RUN_STALE)


def _take(year: int, full: bool) -> bool:
    """Take the year for this run (its tally_run row): False when another run holds it."""
    db.session.execute(insert_ignoring_conflicts(TallyRun.__table__).values(year=year, full=full, units_done=0,
                                                                            units_total=0))
    now = clock.now()
    taken = db.session.execute(update(TallyRun).where(TallyRun.year == year, ~_live_run()).values(
        running_since=now, beat_at=now, full=full, units_done=0, units_total=0)).rowcount == 1
    db.session.commit()
    return taken


def _set(year: int, **values) -> None:
    db.session.execute(update(TallyRun).where(TallyRun.year == year).values(**values))
    db.session.commit()
