"""A person's standing in a year: their unit (with its tier, grade and type), title and status as
the history rows say for that year. Every verdict, summary, dashboard and export of a year reads
it, so a move or a promotion changes only the years from then on.

A history row holds from its year until the next row; within a year the latest row wins. A year
before the first row (a record dated before the person was registered) takes the first row."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import Person, PersonHistory, Unit


class Standing(NamedTuple):
    unit_id: int
    unit_name: str
    tier: str
    grade: str
    type: str
    title: str
    title_level: str
    status: str


class History:
    """One person's history rows, oldest first, asked for any year."""

    def __init__(self, rows: Sequence[tuple[int, Standing]]):
        self.rows = rows

    @property
    def since(self) -> int:
        """The first year the history knows the person in."""
        return self.rows[0][0]

    def at(self, year: int) -> Standing:
        chosen = self.rows[0][1]
        for row_year, standing in self.rows:
            if row_year > year:
                break
            chosen = standing
        return chosen


_ph = PersonHistory.__table__.c
_COLUMNS = (_ph.person_id, _ph.year, _ph.unit_id, Unit.__table__.c.name, _ph.unit_tier, _ph.unit_grade, _ph.unit_type,
            _ph.title, _ph.title_level, _ph.status)


def _selected(*conditions) -> Select:
    return (select(*_COLUMNS).join_from(PersonHistory.__table__, Unit.__table__, Unit.__table__.c.id == _ph.unit_id)
            .where(*conditions).order_by(_ph.person_id, _ph.year, _ph.id))


def _histories(selected: Select, values: dict | None = None) -> dict[int, History]:
    found: dict[int, list[tuple[int, Standing]]] = {}
    for person_id, year, *standing in db.session.connection().execute(selected, values).all():
        found.setdefault(person_id, []).append((year, Standing(*standing)))
    return {person_id: History(rows) for person_id, rows in found.items()}


def histories(*conditions) -> dict[int, History]:
    """person id → History, for the people whose history rows match ``conditions`` (one query)."""
    return _histories(_selected(*conditions))


@cache
def _one_person() -> Select:
    """Built once: a person's pages read their history on every request."""
    return _selected(_ph.person_id == bindparam("person_id"))


def history(person: Person) -> History:
    """The person's history; a person without rows has today's standing for every year."""
    return _histories(_one_person(), {"person_id": person.id}).get(person.id) or History([(0, current(person))])


def as_today(person_ids: Iterable[int]) -> dict[int, History]:
    """person id → today's standing for every year, for people without history rows (one query)."""
    ids = list(person_ids)
    people = db.session.scalars(select(Person).where(Person.id.in_(ids))) if ids else []
    return {p.id: History([(0, current(p))]) for p in people}


def current(person: Person) -> Standing:
    unit = person.unit
    return Standing(unit.id, unit.name, unit.tier or "", unit.level or "", unit.type or "", person.title or "",
                    person.title_level or "", person.status or "")


def of_people(person_ids: Iterable[int]) -> dict[int, History]:
    ids = list(person_ids)
    return histories(_ph.person_id.in_(ids)) if ids else {}
