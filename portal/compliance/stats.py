"""The dashboards' figures: which year and unit a request asks for (and may see), and the
compliance of a set of people counted by title level, department, unit or city. Pure
functions over ``services.results``, which reads everyone's year at once."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from portal.accounts.actor import Actor
from portal.compliance import tallies
from portal.compliance.services import PersonResult, percent, results
from portal.compliance.tallies import Count
from portal.extensions import db
from portal.models import CreditYear, Unit
from portal.models.people import TITLE_LEVELS
from portal.models.units import subtree

YEARS_OFFERED = 10
FIRST_YEAR = 1990


def chosen_year(text: str | None, this: int | None = None) -> int:
    """The 统计年度 asked for, or this year (``this``: by another clock than the date's) when it is
    missing or makes no sense."""
    this = this if this is not None else dt.date.today().year
    try:
        year = int(text or "")
    except ValueError:
        return this
    return year if FIRST_YEAR <= year <= this + 1 else this


def years_offered(chosen: int, earliest: int | None = None) -> list[int]:
    """The year select, newest first: the last ten years, back to ``earliest`` (a person's first
    record) when that is older, and the chosen year."""
    this = dt.date.today().year
    first = min(this - YEARS_OFFERED + 1, earliest or this)
    years = list(range(this, first - 1, -1))
    return years if chosen in years else sorted(years + [chosen], reverse=True)


def first_record_year(person_id: int) -> int | None:
    """The person's first year with an approved record, if any (the first year a year select
    offers): from the yearly summary, one index probe, rather than every year's records."""
    return db.session.scalar(_first_record_year(), {"person_id": person_id})


@cache
def _first_record_year():
    return select(func.min(CreditYear.year)).where(CreditYear.person_id == bindparam("person_id"))


def unit_in_scope(actor: Actor, unit_id: int | None) -> Unit:
    """The unit whose staff ``actor`` asks to see: a unit admin's own unit (another unit is not
    found), any unit for the provincial admin."""
    unit = None
    if actor.is_province_admin:
        unit = db.session.get(Unit, unit_id) if unit_id else None
    elif actor.is_unit_admin and unit_id in (None, actor.unit_id):
        unit = actor.person.unit
    if unit is None:
        abort(404)
    return unit


def staff_units(actor: Actor, unit: Unit) -> list[int]:
    """The units whose staff count as ``unit``'s: for the province the unit and every unit below it
    (杭州市 means all of Hangzhou); for a unit admin their own unit, as far as they see people."""
    return list(db.session.scalars(subtree(unit.id))) if actor.is_province_admin else [unit.id]


@dataclass(frozen=True)
class Group:
    key: Any
    label: str
    staff: int
    compliant: int
    rate: Decimal | None  # percent, one decimal; None for nobody


def of_count(key: Any, label: str, count: Count) -> Group:
    return Group(key, label, count.staff, count.compliant, percent(count.compliant, count.staff))


def trend(years: list[int], unit_ids: list[int], answers: list[PersonResult], year: int) -> list[Group]:
    """The rate of ``unit_ids``'s staff in each of ``years``, live: ``answers`` for ``year``, the
    tallies (portal.compliance.tallies) of another year when none of the units waits for a run,
    else the units judged alone."""
    def one(y: int) -> Group:
        if y == year:
            return tally(y, str(y), answers)
        kept = tallies.fresh(y, unit_ids)
        return of_count(y, str(y), kept) if kept is not None else tally(y, str(y), results(y, unit_ids))
    return [one(y) for y in years]


def tally(key: Any, label: str, answers: list[PersonResult]) -> Group:
    compliant = sum(1 for a in answers if a.verdict.compliant)
    return Group(key, label, len(answers), compliant, percent(compliant, len(answers)))


def grouped(answers: Iterable[PersonResult], key: Callable[[PersonResult], Hashable],
            labels: Mapping[Hashable, str]) -> list[Group]:
    """One group per key that has people, in the order of ``labels`` (keys it lacks go last, by key)."""
    members: dict[Hashable, list[PersonResult]] = defaultdict(list)
    for answer in answers:
        members[key(answer)].append(answer)
    order = list(labels) + sorted((k for k in members if k not in labels), key=str)
    return [tally(k, labels.get(k, str(k)), members[k]) for k in order if k in members]


def by_title_level(answers: list[PersonResult]) -> list[Group]:
    labels = {**{level: level for level in TITLE_LEVELS}, "": _("Not filled in")}
    return grouped(answers, lambda a: a.title_level if a.title_level in TITLE_LEVELS else "", labels)


def by_department(answers: list[PersonResult]) -> list[Group]:
    departments = sorted({a.department for a in answers if a.department})
    labels = {**{d: d for d in departments}, "": _("Not filled in")}
    return grouped(answers, lambda a: a.department or "", labels)


def units() -> list[Any]:
    """Every unit's id, name, kind, parent_id, tier and type, by code."""
    return db.session.execute(select(Unit.id, Unit.name, Unit.kind, Unit.parent_id, Unit.tier, Unit.type)
                              .order_by(Unit.code)).all()


def below_each(units: Iterable[Any]) -> dict[int, set[int]]:
    """Unit id → the ids of the unit and every unit below it, for rows with id and parent_id: the
    whole tree, loaded once, walked in memory (a city: its counties and their hospitals)."""
    units = list(units)
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit.id)
    found: dict[int, set[int]] = {}
    for unit in units:
        ids, stack = set(), [unit.id]
        while stack:
            at = stack.pop()
            if at not in ids:
                ids.add(at)
                stack.extend(children.get(at, ()))
        found[unit.id] = ids
    return found


def city_of_each(units: Iterable[Any]) -> dict[int, int | None]:
    """Unit id → id of the city it lies in (a city maps to itself; None outside any city), for
    rows with id, kind and parent_id: the whole tree, loaded once, walked in memory."""
    return ancestor_of_each(units, "city")


def ancestor_of_each(units: Iterable[Any], kind: str) -> dict[int, int | None]:
    """Unit id → id of the unit of ``kind`` (city, county) it lies in (such a unit maps to itself;
    None outside any), for rows with id, kind and parent_id."""
    units = list(units)
    parent = {u.id: u.parent_id for u in units}
    cities = {u.id for u in units if u.kind == kind}
    found: dict[int, int | None] = {}
    for unit in units:
        path, at = [], unit.id
        while at is not None and at not in found and at not in cities and at not in path:
            path.append(at)
            at = parent.get(at)
        city = at if at in cities else found.get(at)
        for step in path:
            found[step] = city
        if at in cities:
            found[at] = at
    return found
