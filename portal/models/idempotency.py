"""Requests that must take effect once however often they are sent: an API create carrying an
``Idempotency-Key`` header, an entry form's one-time token. The first request claims the key
(the unique constraint decides between parallel ones), then stores its answer, which repeats get."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class IdempotencyKey(Model):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key", name="uq_idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    # What the key is for, e.g. "api:CreditApi.create" or "form:credit-entry".
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the request it was first sent with: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Empty while the first request runs.
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
