"""Units as the tree page reads them. Units are edited through Flask-AppBuilder's CRUD view
(portal/units/views.py), which checks a deletion first."""
from __future__ import annotations

from sqlalchemy import func, inspect, select

from portal.extensions import db
from portal.models import Person, Unit
from portal.people import services as people


def children() -> dict[int | None, list[Unit]]:
    """Parent id (None: the top) → its units, by code."""
    found: dict[int | None, list[Unit]] = {}
    for unit in db.session.scalars(select(Unit).order_by(Unit.code)):
        found.setdefault(unit.parent_id, []).append(unit)
    return found


def staff_counts() -> dict[int, int]:
    """Unit id → how many people it has (units without any are absent)."""
    return dict(db.session.execute(select(Person.unit_id, func.count(Person.id)).group_by(Person.unit_id)).all())


def has_staff(unit_id: int) -> bool:
    return db.session.scalar(select(Person.id).where(Person.unit_id == unit_id).limit(1)) is not None


def restate_if_regraded(unit: Unit) -> None:
    """Before an edit is saved: if the unit's tier, grade or type changed, its staff stand in the
    changed unit from this year on; their past years keep the unit as it was."""
    attrs = inspect(unit).attrs
    if any(attrs[name].history.has_changes() for name in ("tier", "level", "type")):
        people.restate_unit_staff(unit)
