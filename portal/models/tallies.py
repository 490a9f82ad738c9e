"""A closed year's compliance counted per unit (the units people stood in that year), kept so the
provincial and city dashboards read five years of trends without judging a province five times
per request. The current year is never kept: it is judged live."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, false
from sqlalchemy.orm import Mapped, mapped_column


class UnitYearTally(Model):
    __tablename__ = "unit_year_tally"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    staff: Mapped[int] = mapped_column(Integer)  # active staff that year
    compliant: Mapped[int] = mapped_column(Integer)
    judged: Mapped[int] = mapped_column(Integer)  # staff some rule set applies to
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # An approval changed one of its people's years: judged again (this unit only) when next read.
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
