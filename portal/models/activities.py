"""CME activities (继续医学教育项目/活动) with their sessions (课程/场次), who may attend them, the
attendance scans, and the refused scans organisers see as flags. Times are UTC without a time
zone, like every DateTime column; positions are WGS-84 degrees as the phone reported them. On
PostgreSQL attendance is partitioned by its session's year (docs/partitions.md)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.categories import CreditCategory
from portal.models.clock import now
from portal.models.people import Person
from portal.models.types import FixedDecimal
from portal.models.units import Unit

CHECK_IN, CHECK_OUT = "check_in", "check_out"


class Activity(Model):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_unit_starts", "unit_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64), default="")
    # The organising unit: its admins and 项目管理员 run the activity.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("credit_category.id"))
    credit_level: Mapped[str] = mapped_column(String(32), default="")
    credits: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    hours: Mapped[Decimal] = mapped_column(FixedDecimal(1))
    # Sessions a learner must attend for the credit; None: all of them.
    min_sessions: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    # Anyone may attend, or only the people and units listed in activity_allowed.
    open_to_all: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    created_by: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()
    category: Mapped[CreditCategory] = relationship()
    sessions: Mapped[list[ActivitySession]] = relationship(back_populates="activity", order_by="ActivitySession.starts_at",
                                                           cascade="all, delete-orphan")
    allowed: Mapped[list[ActivityAllowed]] = relationship(cascade="all, delete-orphan")

    @property
    def required_sessions(self) -> int:
        count = len(self.sessions)
        return min(self.min_sessions, count) if self.min_sessions else count


class ActivityAllowed(Model):
    """One person, or one unit's staff, allowed to attend an activity that is not open to all."""

    __tablename__ = "activity_allowed"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    person: Mapped[Person | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class ActivitySession(Model):
    __tablename__ = "activity_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    teacher: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    check_out: Mapped[bool] = mapped_column(Boolean, default=True)
    # 人脸核验: the check-in takes a photo, compared with the learner's enrollment by the face plugin
    # (plugins/faces/), which flags a mismatch; only while the plugin offers checks.
    face_check: Mapped[bool] = mapped_column(Boolean, default=False)
    # Minutes around the start (check-in) and the end (check-out) in which scans are accepted.
    check_in_before: Mapped[int] = mapped_column(Integer, default=30)
    check_in_after: Mapped[int] = mapped_column(Integer, default=15)
    check_out_before: Mapped[int] = mapped_column(Integer, default=10)
    check_out_after: Mapped[int] = mapped_column(Integer, default=30)
    # The key of the session's rotating codes (hex); never leaves the server.
    secret: Mapped[str] = mapped_column(String(64))

    activity: Mapped[Activity] = relationship(back_populates="sessions")

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None and self.radius_m is not None


class Attendance(Model):
    """A learner's check-in or check-out of a session: one row per person, session and kind."""

    __tablename__ = "attendance"
    __table_args__ = (
        # PostgreSQL wants the partition key in every unique key; SQLite keeps ``id`` alone as its
        # key (migration 0031). The mapper's key is (id, year) on both, unlike credit records': no
        # page or plugin finds a scan by its id alone, and a row read again after a commit (the
        # check-in's answer, after the grant's notices) or written by the ORM names its partition.
        PrimaryKeyConstraint("id", "year", name="attendance_pkey"),
        # The year follows from the session: one row per person, session and kind, as before.
        UniqueConstraint("session_id", "person_id", "kind", "year", name="uq_attendance_session_person_kind"),
        Index("ix_attendance_person_year_at", "person_id", "year", "at"),
        Index("ix_attendance_session_device", "session_id", "device"),
        {"postgresql_partition_by": "RANGE (year)"},
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    # The year of the session's start in the portal's time zone, not of the scan (a check-out after
    # midnight on 1 January belongs to a session of 31 December): the partition key on PostgreSQL.
    # Set where the row is made (portal.activities.services.session_year).
    year: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    # How it was recorded: the learner scanned the session's code, or the organiser scanned 我的二维码.
    via: Mapped[str] = mapped_column(String(16), default="code")
    # A digest of the device's id (its cookie), to find a second account on one phone.
    device: Mapped[str] = mapped_column(String(64), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    # What the organiser should look at: no_position, poor_accuracy.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    session: Mapped[ActivitySession] = relationship()
    person: Mapped[Person] = relationship()


class AttendanceRefusal(Model):
    """A scan the portal refused for a reason the organiser should see (a second account on one
    device, a position outside the venue), with the raw values the phone sent."""

    __tablename__ = "attendance_refusal"
    __table_args__ = (Index("ix_attendance_refusal_session", "session_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    device: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    person: Mapped[Person] = relationship()


class PersonalCodeKey(Model):
    """The key of a person's 我的二维码 (RFC 6238 TOTP), encrypted with the instance's Fernet key."""

    __tablename__ = "personal_code_key"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    encrypted: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
