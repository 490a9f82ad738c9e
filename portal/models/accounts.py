"""Login state kept beside FAB's ab_user: lockout and forced password change, and the
single-use captcha challenges of the login form."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class AccountState(Model):
    __tablename__ = "account_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CaptchaChallenge(Model):
    """A captcha challenge that has been answered (portal.accounts.captcha): its nonce, written
    when the answer is checked so that a replayed session cookie cannot answer it again, kept
    until it would have expired. ``answer`` is no longer written (the answer is derived from
    the nonce); the column stays until a migration drops it."""

    __tablename__ = "captcha_challenge"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
