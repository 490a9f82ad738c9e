"""Transfers between units (调入/调出): the receiving unit asks for a person by ID number, the
releasing unit or the province decides. The person keeps their records and history."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.clock import now
from portal.models.people import Person
from portal.models.units import Unit

TRANSFER_STATES = ("requested", "approved", "refused", "withdrawn")


class Transfer(Model):
    __tablename__ = "transfer"
    __table_args__ = (Index("ix_transfer_from_state", "from_unit_id", "state"),
                      Index("ix_transfer_to_state", "to_unit_id", "state"),
                      Index("ix_transfer_person_state", "person_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    state: Mapped[str] = mapped_column(String(16), default="requested")
    note: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")

    person: Mapped[Person] = relationship()
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])
