"""Units as the tree page reads them. Units are edited through Flask-AppBuilder's CRUD view
(portal/units/views.py), which checks a deletion first."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import Person, Unit


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


def subtree(unit_id: int) -> Select:
    """The ids of ``unit_id`` and every unit below it (a city: its counties and their hospitals),
    as a subquery: choosing 杭州市 means everyone in Hangzhou, not only those attached to the city."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_ids(unit_id: int) -> list[int]:
    return list(db.session.scalars(subtree(unit_id)))
