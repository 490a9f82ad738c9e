"""Notices (通知) to a person: review results, reminders of what is missing, deadlines. Each is
kept in the portal's notice box; notifier plugins may also deliver it (SMS ...)."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.clock import now


class Notice(Model):
    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The notifiers that delivered it besides the notice box, comma-separated slugs (",sms,").
    delivered: Mapped[str] = mapped_column(String(200), default="")
