"""The one audit trail, append-only: a credit record's changes (``record_id`` set, written by
portal.credits.audit) and account events (sign-in and sign-out, failures, password resets and
changes, role and self-entry changes; ``target_user_id`` set, written by portal.accounts.audit).
Database triggers refuse UPDATE and DELETE on the table (portal.models.append_only)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column


class AuditEntry(Model):
    """Who did what, as whom, from where, when, to which record or account, and the values
    before and after. Never a password or a code."""

    __tablename__ = "audit_entry"
    # One admin's recent reveals of personal data, counted for their hourly limit.
    __table_args__ = (Index("ix_audit_entry_user_action_at", "user_id", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the record's key includes its year, which a draft's edit may change, and the
    # trail is never rewritten. On PostgreSQL a constraint trigger checks the record exists, and
    # records are never deleted (portal.models.append_only).
    record_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # None when nobody was signed in (a failed sign-in, a password recovery).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    # The account an account event is about, and its person's unit (for a unit's own trail).
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    ip: Mapped[str | None] = mapped_column(String(45))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
