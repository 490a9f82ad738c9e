"""Printed credit forms: the yearly 学分登记表 and the 多年度学分验证表. Like a certificate, a form is
frozen when it is generated (what it states is kept as JSON) and its QR code carries a random
token that opens the public verification page."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

REGISTRATION = "registration"
VERIFICATION = "verification"


class CreditForm(Model):
    __tablename__ = "credit_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "DJ-2026-7K3M-9QXD" (登记表) or "YZ-2026-…" (验证表): 40 random bits, never sequential.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    verification_count: Mapped[int] = mapped_column(Integer, default=0)
    last_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
