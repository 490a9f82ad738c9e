"""Export jobs: an export too large to send at once is made in the background, and its owner
follows it by ``token`` (the public handle) and downloads the file when it is done. The file
lives under ``instance/exports/`` with the random ``stored_name``. A running job beats
(``heartbeat_at``); one whose worker died is marked failed (portal.exports.jobs.fail_stale)."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column


class ExportJob(Model):
    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: secrets.token_hex(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    # The table's name (portal.exports.builders) and its parameters, to build it again in the worker.
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exporter: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # running, done, failed
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(16))
    # Why it failed, for the user.
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Written every few seconds while the job runs: a running job whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
