"""Electronic credit certificates (电子学分证书): one per approved record, with what it states
frozen at issue, a random number and a separate random token that the QR code carries."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, ForeignKeyConstraint, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.credits import CreditRecord


class Certificate(Model):
    __tablename__ = "certificate"
    __table_args__ = (
        ForeignKeyConstraint(["record_id", "record_year"], ["credit_record.id", "credit_record.credit_year"],
                             match="FULL", name="fk_certificate_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "2026-7K3M-9QXD": year of issue and 40 random bits (Crockford base32); never sequential.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # What the QR code carries (/verify/<token>): 192 random bits, never shown elsewhere.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # At most one certificate per record: under concurrency this constraint decides.
    record_id: Mapped[int] = mapped_column(Integer, unique=True)
    # The record's credit_year (an approved record's, which never changes): its key with record_id.
    record_year: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    verification_count: Mapped[int] = mapped_column(Integer, default=0)
    last_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    record: Mapped[CreditRecord] = relationship()
