"""Credit records (学分记录) with their evidence files (their audit trail is portal.models.audit).

A record keeps the credit type's data as JSON beside the common columns, and the category
parameters it was scored with, so a new type needs no migration and a changed category never
rescores it. ``version`` is an optimistic lock: a stale edit or decision fails instead of
overwriting.

On PostgreSQL the records are partitioned by ``credit_year`` (docs/partitions.md): a query with a
period names its years through ``CreditRecord.dated`` so that only those partitions are read."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    and_,
    bindparam,
    event,
    false,
    func,
    inspect,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.categories import CreditCategory
from portal.models.people import Person
from portal.models.types import FixedDecimal
from portal.models.units import Unit

if TYPE_CHECKING:
    from portal.models.certificates import Certificate


class CreditRecord(Model):
    __tablename__ = "credit_record"
    __table_args__ = (
        # PostgreSQL wants the partition key in every unique key; SQLite keeps ``id`` alone as its
        # key (migration 0029), and the mapper's key is ``id`` on both (__mapper_args__).
        PrimaryKeyConstraint("id", "credit_year", name="credit_record_pkey"),
        ForeignKeyConstraint(["corrects_id", "corrects_year"], ["credit_record.id", "credit_record.credit_year"],
                             match="FULL", name="fk_credit_record_corrects"),
        Index("ix_credit_record_person_year_date", "person_id", "credit_year", "activity_date"),
        Index("ix_credit_record_unit_status_date", "unit_id", "status", "activity_date"),
        # The review queue: a unit's submitted records, oldest submission first.
        Index("ix_credit_record_unit_submitted", "unit_id", "submitted_at",
              postgresql_where=text("status = 'submitted'"), sqlite_where=text("status = 'submitted'"),
              # what a unit admin's count also asks of each record: counted from the index alone (0033)
              postgresql_include=["person_id", "entered_by_id", "credit_year"]),
        # An activity grants a person one record (per year: the grant's lock keeps it to one in all,
        # docs/attendance.md), however its last scan and its closing race. Only granted records are
        # indexed (migration 0030): the rest have no activity.
        Index("uq_credit_record_activity_person", "activity_id", "person_id", "credit_year", unique=True,
              postgresql_where=text("activity_id IS NOT NULL"), sqlite_where=text("activity_id IS NOT NULL")),
        {"postgresql_partition_by": "RANGE (credit_year)"},
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    # The year of activity_date, set by the mapper (_set_credit_year) and checked by the database
    # (CHECK ck_credit_record_year): the partition key on PostgreSQL.
    credit_year: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The unit that reviews it: the person's unit when the record was created.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("credit_category.id"))
    type_slug: Mapped[str] = mapped_column(String(64))
    # draft, submitted, approved, rejected; or deleted: a deleted draft stays as a row so that
    # its audit trail remains.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    activity_name: Mapped[str] = mapped_column(String(200))
    activity_number: Mapped[str] = mapped_column(String(64), default="")
    activity_date: Mapped[dt.date] = mapped_column(Date)
    activity_type: Mapped[str] = mapped_column(String(32), default="personal")
    credit_level: Mapped[str] = mapped_column(String(32), default="")
    hosting_method: Mapped[str] = mapped_column(String(32), default="")
    discipline: Mapped[str] = mapped_column(String(32), default="")
    sub_discipline: Mapped[str] = mapped_column(String(32), default="")
    issuing_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # The issuing body as entered when it is none of the portal's units.
    issuer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    remarks: Mapped[str] = mapped_column(Text, default="")

    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    wizard_rule: Mapped[str] = mapped_column(String(64), default="")
    credits: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    hours: Mapped[Decimal] = mapped_column(FixedDecimal(1))
    credit_class: Mapped[str] = mapped_column(String(8))
    deems_compliant: Mapped[bool] = mapped_column(Boolean, default=False)
    # The years it deems compliant when they are not (only) its activity date's: a period
    # (进修, aid work) spanning years, e.g. [2023, 2024].
    deems_years: Mapped[list[int]] = mapped_column(JSON, default=list)
    score_note: Mapped[str] = mapped_column(String(200), default="")

    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A correction of an approved record is a new record pointing to it.
    corrects_id: Mapped[int | None] = mapped_column(Integer)
    corrects_year: Mapped[int | None] = mapped_column(Integer)
    # Replaced by an approved correction (set with that approval): the summary leaves it out.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 代录: the admin who entered the record on the person's behalf (None: the person did). They
    # may not approve it.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The CME activity that granted it by attendance (portal.activities), if any.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    category: Mapped[CreditCategory] = relationship()
    issuing_unit: Mapped[Unit | None] = relationship(foreign_keys=[issuing_unit_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    # Joined on the id alone, so that loading the files of many records (selectinload) reads
    # evidence_file only; record_year follows the record (_move_evidence).
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="record", order_by="EvidenceFile.id",
        primaryjoin="CreditRecord.id == foreign(EvidenceFile.record_id)")
    # Its certificate, once issued (portal.models.certificates): read here, written there.
    certificate: Mapped[Certificate | None] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}

    @classmethod
    def dated(cls, first: dt.date | None, last: dt.date | None) -> ColumnElement[bool]:
        """Activity dates from ``first`` through ``last`` (either may be open), with the credit years
        they lie in, so that PostgreSQL reads only those years' partitions."""
        terms = []
        if first is not None:
            terms += [cls.activity_date >= first, cls.credit_year >= first.year]
        if last is not None:
            terms += [cls.activity_date <= last, cls.credit_year <= last.year]
        return and_(*terms)

    @classmethod
    def dated_bound(cls) -> ColumnElement[bool]:
        """``dated`` for a statement built once, both ends bound when it runs (``dated_values``)."""
        return and_(cls.activity_date.between(bindparam("dated_first"), bindparam("dated_last")),
                    cls.credit_year.between(bindparam("dated_first_year"), bindparam("dated_last_year")))

    @staticmethod
    def dated_values(first: dt.date, last: dt.date) -> dict[str, Any]:
        """The values of ``dated_bound``'s parameters for the dates ``first`` through ``last``."""
        return {"dated_first": first, "dated_last": last, "dated_first_year": first.year, "dated_last_year": last.year}

    @classmethod
    def of_years(cls, first: int, last: int) -> ColumnElement[bool]:
        """Records of the credit years ``first`` through ``last``."""
        return cls.credit_year.between(first, last)

    @property
    def issuer(self) -> str:
        """The issuing body (发证机构) as entered: a unit of the portal's, or the name typed."""
        return self.issuing_unit.name if self.issuing_unit else self.issuer_name


class EvidenceFile(Model):
    """A file proving a record; stored under a random name, served only through a checked view."""

    __tablename__ = "evidence_file"
    __table_args__ = (
        ForeignKeyConstraint(["record_id", "record_year"], ["credit_record.id", "credit_record.credit_year"],
                             match="FULL", onupdate="CASCADE", name="fk_evidence_file_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty while the file waits for its record: uploaded with a form that came back with an
    # error, it is kept for the person who uploaded it, so nothing uploaded is lost.
    record_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The record's credit_year: with record_id, the key of the partitioned record (MATCH FULL: both or neither).
    record_year: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

    record: Mapped[CreditRecord | None] = relationship(
        back_populates="evidence", primaryjoin="CreditRecord.id == foreign(EvidenceFile.record_id)")


@event.listens_for(CreditRecord, "before_insert")
@event.listens_for(CreditRecord, "before_update")
def _set_credit_year(_mapper: Mapper, _connection: object, record: CreditRecord) -> None:
    # An edit of a draft's date into another year moves it (PostgreSQL moves the row to that partition).
    if record.activity_date is not None and record.credit_year != record.activity_date.year:
        record.credit_year = record.activity_date.year


@event.listens_for(CreditRecord, "after_update")
def _move_evidence(_mapper: Mapper, connection: Connection, record: CreditRecord) -> None:
    # PostgreSQL's ON UPDATE CASCADE has moved the files already; SQLite enforces no foreign keys.
    if inspect(record).attrs.credit_year.history.deleted:
        connection.execute(update(EvidenceFile).where(EvidenceFile.record_id == record.id)
                           .values(record_year=record.credit_year))


class CreditYear(Model):
    """A person's approved credits of one year, summed, so that compliance for thousands of
    people reads one row each (and, where a rule needs them, a few of their buckets). Written in
    the same transaction as each approval; ``portal compliance-check`` recomputes years from the
    records and reports any drift."""

    __tablename__ = "credit_year"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    records: Mapped[int] = mapped_column(Integer, default=0)
    credits: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    hours: Mapped[Decimal] = mapped_column(FixedDecimal(1), default=Decimal(0))
    # Credits by class, before caps.
    class_1: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    class_2: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    class_other: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    # Credits of records stating no hours (what a rule set may turn into hours).
    hourless_credits: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))


class CreditYearBucket(Model):
    """A person-year's counted credits of one category, class and 各类学分汇总 node: what caps,
    multi-year requirements, deeming and the summary tree read."""

    __tablename__ = "credit_year_bucket"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("credit_category.id"), primary_key=True)
    credit_class: Mapped[str] = mapped_column(String(8), primary_key=True)
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    records: Mapped[int] = mapped_column(Integer, default=0)
    credits: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    hours: Mapped[Decimal] = mapped_column(FixedDecimal(1), default=Decimal(0))
    # The first approved record of the bucket that deems the year compliant, if any.
    deeming_record_id: Mapped[int | None] = mapped_column(Integer)
