"""People (学员): the profile of DOMAIN.md, one-to-one with a login account, and the history
of their unit, title and status."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, ColumnElement, Date, DateTime, ForeignKey, Index, Integer, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models import sealed
from portal.models.units import Unit

TITLE_LEVELS = ("初级", "中级", "副高", "正高", "乡村医生", "无职称")
PERSON_STATUSES = ("正常", "注销", "离职", "退休")
TRANSFER_STATUSES = ("", "调入", "调出")


class Person(Model):
    __tablename__ = "person"
    __table_args__ = (Index("ix_person_unit_name", "unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    person_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    # The ID number, sealed (portal.models.sealed): read and set it through ``id_number``, look it
    # up with ``with_id_number``.
    id_sealed: Mapped[str] = mapped_column(String(100))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sex: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(32), default="")
    political_status: Mapped[str] = mapped_column(String(32), default="")
    education: Mapped[str] = mapped_column(String(32), default="")
    degree: Mapped[str] = mapped_column(String(32), default="")
    # Indexed: the phone app signs learners in by it (portal.mobile.services).
    mobile: Mapped[str] = mapped_column(String(11), default="", index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="正常")
    transfer_status: Mapped[str] = mapped_column(String(16), default="")
    title: Mapped[str] = mapped_column(String(64), default="")
    title_level: Mapped[str] = mapped_column(String(8), default="")
    ic_card_no: Mapped[str] = mapped_column(String(32), default="")
    photo: Mapped[str | None] = mapped_column(String(64))
    # 外省人员: attended a project in this province (``unit_id`` is the organiser); signs in by
    # SMS code to download certificates only and is not staff anywhere.
    out_of_province: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship()
    history: Mapped[list[PersonHistory]] = relationship(
        back_populates="person", order_by=lambda: (PersonHistory.year.desc(), PersonHistory.id.desc()),
        cascade="all, delete-orphan",
    )

    id_number = sealed.SealedIdNumber()

    @classmethod
    def with_id_number(cls, number: str) -> ColumnElement[bool]:
        """SQL: the person's ID number is ``number``."""
        return cls.id_hash == sealed.id_hash(number)


class PersonHistory(Model):
    """A row each time a person's unit, title or status changes (状态/职称变动), or the provincial
    admin corrects a year. A row is the person's standing from ``year`` on: a year is judged by
    its latest row of that year or before (portal/people/standing.py). The unit's tier, grade and
    type are kept as they were, so a regraded unit does not rewrite its staff's past years."""

    __tablename__ = "person_history"
    __table_args__ = (Index("ix_person_history_person_year", "person_id", "year", "id"),
                      # Who stood in a unit (compliance.services.results, a unit at a time).
                      Index("ix_person_history_unit", "unit_id", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit_tier: Mapped[str] = mapped_column(String(16), default="", server_default="")
    unit_grade: Mapped[str] = mapped_column(String(16), default="", server_default="")
    unit_type: Mapped[str] = mapped_column(String(32), default="", server_default="")
    title: Mapped[str] = mapped_column(String(64), default="")
    title_level: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(16), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # Who wrote the row and why: set for the provincial admin's corrections of a year.
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    person: Mapped[Person] = relationship(back_populates="history")
    unit: Mapped[Unit] = relationship()
    author: Mapped[User | None] = relationship()
