"""Login state kept beside FAB's ab_user: the forced password change, wrong passwords per
username, server-side sessions, and the single-use captcha challenges of the login form."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class AccountState(Model):
    __tablename__ = "account_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginThrottle(Model):
    """Wrong passwords per username, existing or not (portal.accounts.throttle); the key is a
    keyed hash of the lower-cased username, so the table names nobody."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CaptchaChallenge(Model):
    """A captcha challenge that has been answered (portal.accounts.captcha): its nonce, written
    when the answer is checked so that a replayed session cookie cannot answer it again, kept
    until it would have expired (the answer itself is derived from the nonce)."""

    __tablename__ = "captcha_challenge"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class AccountSession(Model):
    """A signed-in session (a browser's, or an API login's with its refresh token), kept on the
    server so that it can be ended: the signed cookie or the token only names it. Used when
    PORTAL_REDIS_URL is not set (portal.accounts.sessions keeps the same in Redis otherwise)."""

    __tablename__ = "account_session"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    # "web" (a browser's cookie) or "api" (an access and refresh token pair).
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # The one refresh token (its jti) that may still be used; each use replaces it.
    refresh_jti: Mapped[str | None] = mapped_column(String(64))
