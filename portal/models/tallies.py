"""Each year's compliance counted per unit (unit_year_tally) and judged per person
(person_year_verdict), for every year the current one included, written by the tallies job
(portal.compliance.tallies) so that the provincial and city dashboards never judge in a request.
tally_run is the job's lock and progress per year.

A change that may alter people's figures marks the units they stood in (``mark_people``,
``mark_units``) or a whole year (``mark_years``) stale, in the changing transaction: the next
incremental run judges those units again. This lives on the models' floor because the features
that make such changes (people, review, standards, categories) sit beside compliance, not above it."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    CompoundSelect,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    false,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.people import Person, PersonHistory
from portal.models.types import FixedDecimal
from portal.models.units import Unit


class UnitYearTally(Model):
    __tablename__ = "unit_year_tally"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    staff: Mapped[int] = mapped_column(Integer)  # active staff that year
    compliant: Mapped[int] = mapped_column(Integer)
    judged: Mapped[int] = mapped_column(Integer)  # staff some rule set applies to
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # One of its people's figures may have changed since: judged again by the next run.
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PersonYearVerdict(Model):
    """One person's year as the tallies job judged it, with the figures the province's lists print."""

    __tablename__ = "person_year_verdict"
    __table_args__ = (Index("ix_person_year_verdict_year_unit", "year", "unit_id", "compliant"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the unit they stood in that year
    title_level: Mapped[str] = mapped_column(String(20))  # that year's
    compliant: Mapped[bool | None] = mapped_column(Boolean)  # None: no rule set applies
    credits: Mapped[Decimal] = mapped_column(FixedDecimal(2))  # after caps
    hours: Mapped[Decimal] = mapped_column(FixedDecimal(1))
    class_1: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    class_2: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    # What the rule set judging them asks (None: no rule set applies).
    required: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    required_class_1: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    required_class_2: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    # What is missing, as the verdict said it (the portal speaks one language: the job's).
    shortfalls: Mapped[list[str]] = mapped_column(JSON, default=list)


class TallyRun(Model):
    """The tallies job of a year: running while ``running_since`` is set (and it beats), so that
    a second start is a no-op; when the last run finished and what it did."""

    __tablename__ = "tally_run"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    running_since: Mapped[dt.datetime | None] = mapped_column(DateTime)
    beat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    units_done: Mapped[int] = mapped_column(Integer, default=0)
    units_total: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


def insert_ignoring_conflicts(table):
    """INSERT ... ON CONFLICT DO NOTHING on the session's database (both speak it)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _tallied_years(first: int) -> list[int]:
    return list(db.session.scalars(select(UnitYearTally.year).where(UnitYearTally.year >= first).distinct()))


def mark_units(unit_ids: Select | CompoundSelect | Iterable[int], first: int) -> None:
    """The kept figures of these units (a select of unit ids, or the ids), of ``first`` and every
    later year tallied (multi-year requirements look back), are stale. A unit a tallied year has
    no row for yet (someone moved into it) gets one, empty and stale."""
    units = unit_ids if isinstance(unit_ids, Select | CompoundSelect) else list(unit_ids)
    for year in _tallied_years(first):
        db.session.execute(update(UnitYearTally).where(UnitYearTally.year == year, UnitYearTally.unit_id.in_(units))
                           .values(stale=True))
        missing = select(literal(year), Unit.id, literal(0), literal(0), literal(0), literal(dt.datetime(1970, 1, 1)),
                         literal(True)).where(Unit.id.in_(units), ~Unit.id.in_(
                             select(UnitYearTally.unit_id).where(UnitYearTally.year == year)))
        db.session.execute(insert_ignoring_conflicts(UnitYearTally.__table__).from_select(
            ["year", "unit_id", "staff", "compliant", "judged", "computed_at", "stale"], missing))


def mark_people(person_ids: Iterable[int], first: int) -> None:
    """The kept figures of every unit these people stood in (or stand in now) are stale from
    ``first`` on."""
    ids = list(person_ids)
    mark_units(select(PersonHistory.unit_id).where(PersonHistory.person_id.in_(ids)).union(
        select(Person.unit_id).where(Person.id.in_(ids))), first)


def mark_years(first: int) -> None:
    """Every unit's kept figures of ``first`` and later years are stale (the rules or a category changed)."""
    db.session.execute(update(UnitYearTally).where(UnitYearTally.year >= first).values(stale=True))
