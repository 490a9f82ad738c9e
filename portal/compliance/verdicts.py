"""The person level of the provincial drill-down: a unit's (or an area's) year read from the
verdicts the tallies job stored (portal.models.tallies.PersonYearVerdict), summed in the
database, never judged in the request. Its rows have the shape of ``services.PersonResult`` as
far as the unit page reads it."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Integer, case, func, select

from portal.compliance import stats
from portal.extensions import db
from portal.models import Person, PersonYearVerdict
from portal.models.people import TITLE_LEVELS
from portal.pagination import Page, page_number

_V = PersonYearVerdict


@dataclass(frozen=True)
class Shortfall:
    message: str


@dataclass(frozen=True)
class StoredVerdict:
    compliant: bool | None
    credits: Decimal
    hours: Decimal
    shortfalls: list[Shortfall] = field(default_factory=list)


@dataclass(frozen=True)
class StoredResult:
    person_id: int
    person_no: str
    name: str
    department: str
    title_level: str
    verdict: StoredVerdict


@dataclass(frozen=True)
class UnitYear:
    total: stats.Group
    without_rules: int
    by_title: list[stats.Group]
    by_department: list[stats.Group]
    failing: Page


def _counts(year: int, unit_ids: Collection[int], key=None, people: bool = False):
    compliant = func.sum(case((_V.compliant.is_(True), 1), else_=0)).cast(Integer)
    unruled = func.sum(case((_V.compliant.is_(None), 1), else_=0)).cast(Integer)
    query = select(*((key,) if key is not None else ()), func.count(), compliant, unruled).select_from(_V).where(
        _V.year == year, _V.unit_id.in_(list(unit_ids)))
    if people:
        query = query.join(Person, Person.id == _V.person_id)
    return db.session.execute(query.group_by(key) if key is not None else query).all()


def _groups(rows, labels: dict[str, str]) -> list[stats.Group]:
    found = {key or "": (staff, compliant) for key, staff, compliant, _unruled in rows}
    order = list(labels) + sorted(k for k in found if k not in labels)
    return [stats.Group(k, labels.get(k, k), *found[k], stats.percent(found[k][1], found[k][0]))
            for k in order if k in found]


def unit_year(year: int, unit_ids: Collection[int], per_page: int) -> UnitYear:
    """The stored year of the people who stood in ``unit_ids``: the rate, by title level and by
    department, and the page asked for of those not compliant (by staff number)."""
    staff, compliant, unruled = _counts(year, unit_ids)[0]
    departments = _counts(year, unit_ids, Person.department, people=True)
    failing = (select(_V, Person.person_no, Person.name, Person.department).join(Person, Person.id == _V.person_id)
               .where(_V.year == year, _V.unit_id.in_(list(unit_ids)), _V.compliant.is_not(True)))
    total = db.session.scalar(select(func.count()).select_from(failing.subquery())) or 0
    number = min(page_number(), max(1, -(-total // per_page)))
    rows = db.session.execute(failing.order_by(Person.person_no).limit(per_page).offset((number - 1) * per_page)).all()
    return UnitYear(
        stats.Group(None, "", staff, compliant or 0, stats.percent(compliant or 0, staff)), unruled or 0,
        _groups(_counts(year, unit_ids, _V.title_level), {**{level: level for level in TITLE_LEVELS},
                                                          "": _("Not filled in")}),
        _groups(departments, {**{d: d for d, *_rest in sorted(departments, key=lambda r: r[0] or "") if d},
                              "": _("Not filled in")}),
        Page([StoredResult(v.person_id, person_no, name, department, v.title_level,
                           StoredVerdict(v.compliant, v.credits, v.hours, [Shortfall(m) for m in v.shortfalls]))
              for v, person_no, name, department in rows], total, number, per_page))
