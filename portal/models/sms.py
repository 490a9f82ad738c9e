"""Codes sent by SMS (portal.people.sms_codes, and the out-of-province learners' login). A row is written for every code
requested, whether or not the ID number and phone matched someone (``person_id`` None: no SMS
went out), so that the resend delay and the daily limits apply either way. Neither the code nor
the ID number is stored: the ID number's keyed hash is (portal.models.sealed), enough to count and match."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ColumnElement, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models import sealed


class SmsCode(Model):
    __tablename__ = "sms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str] = mapped_column(String(11), index=True)
    # HMAC-SHA256 of the code, keyed with the app's secret key (hex).
    code_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # "login" (the out-of-province learners' SMS login), "recovery" (找回账户密码,
    # portal.people.recovery) or "app" (the phone app's sign-in, portal.mobile); the daily limits count all.
    purpose: Mapped[str] = mapped_column(String(16), default="login", server_default="login")
    # The address that asked for it, for the per-address daily limit.
    ip: Mapped[str | None] = mapped_column(String(45), index=True)

    # Write-only: ``SmsCode(id_number=…)`` keeps the hash; there is no number to read back.
    id_number = sealed.SealedIdNumber(readable=False)

    @classmethod
    def with_id_number(cls, number: str) -> ColumnElement[bool]:
        """SQL: the code was asked for with ID number ``number``."""
        return cls.id_hash == sealed.id_hash(number)
