"""Running an export: at once when the table is small, otherwise as a job.

``start`` is what the pages and the API call. A job runs on RQ (queue ``exports``) when
``REDIS_URL`` is configured, in a thread of the web process otherwise. The worker builds the
table again with the same builder for the job's user (so the same authorisation applies),
writes it under ``instance/exports/`` and records its progress on the job's row: nothing about a
job is kept in process memory, so any web worker can answer for it."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, url_for
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select, update

from portal.accounts.actor import Actor, actor_for
from portal.exports.builders import builder_of
from portal.exports.responses import exporter_class, send_attachment, send_table
from portal.extensions import db
from portal.models import ExportJob

QUEUE = "exports"
# The function RQ runs, by name: it builds an app, which only the entry floor may do.
WORKER_ENTRY = "portal.worker.run_queued"
# RQ stops a job after this long; a province-wide export may take a while.
JOB_TIMEOUT = 6 * 3600


def start(actor: Actor, kind: str, params: Mapping[str, str], exporter_slug: str) -> Response | ExportJob:
    """Export the table ``kind`` built for ``actor`` from ``params`` with the exporter
    ``exporter_slug``: the file as a response when the table has at most ``EXPORT_INLINE_ROWS``
    rows (or does not say how many), else a new job, already queued.

    404 for an unknown table or exporter (or what the builder refuses to show); ``ValueError``
    with a message for the user when the parameters are wrong."""
    exporter = exporter_class(exporter_slug)
    builder = builder_of(kind) or abort(404)
    table = builder(actor, params)
    if table.expected_rows is None or table.expected_rows <= current_app.config["EXPORT_INLINE_ROWS"]:
        return send_table(table, exporter_slug)
    expire_old()
    job = ExportJob(user_id=actor.user.id, kind=kind, params=dict(params), exporter=exporter_slug,
                    rows_total=table.expected_rows, filename=f"{table.filename}.{exporter.file_extension}")
    db.session.add(job)
    db.session.commit()
    _dispatch(job.id)
    return job


def expire_old() -> None:
    """Tidy up as each job starts, so that no scheduler is needed: jobs finished more than
    EXPORT_KEEP_DAYS ago lose their file and row; jobs still queued or running after
    JOB_TIMEOUT were cut off (a thread dies with its web process) and are marked failed.
    Times are the database's, as the rows' own are."""
    now = db.session.scalar(select(func.now()))
    for job in db.session.scalars(select(ExportJob).where(
            ExportJob.finished_at < now - dt.timedelta(days=current_app.config["EXPORT_KEEP_DAYS"]))):
        (_folder() / job.stored_name).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.status.in_(("queued", "running")), ExportJob.created_at < now - dt.timedelta(seconds=JOB_TIMEOUT))
        .values(status="failed", error=_("The export was interrupted. Start it again."), finished_at=now)
    )
    db.session.commit()


def own_job(actor: Actor, token: str) -> ExportJob:
    """The actor's job ``token``; 404 for anyone else's."""
    job = db.session.scalar(select(ExportJob).where(ExportJob.token == token, ExportJob.user_id == actor.user.id))
    return job or abort(404)


def job_status(job: ExportJob, file_endpoint: str) -> dict[str, Any]:
    """The job as JSON; ``download_url`` (to ``file_endpoint``) once the file is ready."""
    return {"status": job.status, "rows_done": job.rows_done, "rows_total": job.rows_total, "error": job.error or None,
            "download_url": url_for(file_endpoint, token=job.token) if job.status == "done" else None}


def job_file(job: ExportJob) -> Response:
    """The file a job made; 404 until it is done."""
    if job.status != "done":
        abort(404)
    exporter = exporter_class(job.exporter)
    return send_attachment((_folder() / job.stored_name).open("rb"), exporter.media_type, job.filename)


# --- the worker side -------------------------------------------------------------------------------

def run_job(job_id: int) -> None:
    """Make the file of the queued job ``job_id`` (inside an app context). A job already taken
    (or unknown) is left alone; a failure is logged and stored on the job with a message for the user."""
    if not _set(job_id, ExportJob.status == "queued", status="running"):
        return
    job = db.session.get(ExportJob, job_id)
    connection = db.session.connection()  # the one the rows are read on
    path = _folder() / job.stored_name
    try:
        exporter = exporter_class(job.exporter)
        table = builder_of(job.kind)(actor_for(db.session.get(User, job.user_id)), job.params)
        with path.open("wb") as out:
            exporter().write(table, out, lambda n: _set(job_id, rows_done=n))
    except Exception as e:
        current_app.logger.exception("export job %s (%s) failed", job_id, job.kind)
        # A query broken off may leave its statement open on the connection (on SQLite with a read
        # snapshot that stops the connection from writing again): close it rather than pool it.
        connection.invalidate()
        path.unlink(missing_ok=True)
        error = (str(e) if isinstance(e, ValueError)
                 else _("The export failed. Try again; if it fails again, tell your administrator."))
        _set(job_id, status="failed", error=error, finished_at=func.now())
    else:
        _set(job_id, status="done", finished_at=func.now())
    finally:
        db.session.rollback()


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def _dispatch(job_id: int) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        app = current_app._get_current_object()
        threading.Thread(target=_run_in_thread, args=(app, job_id), name=f"export-job-{job_id}", daemon=True).start()
        return
    try:
        Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(WORKER_ENTRY, job_id, job_timeout=JOB_TIMEOUT)
    except RedisError:
        current_app.logger.exception("export job %s could not be queued", job_id)
        _set(job_id, status="failed", error=_("The export could not be started. Try again later."),
             finished_at=func.now())


def _set(job_id: int, *conditions, **values) -> bool:
    """Update the job's row in a transaction of its own, so that progress shows while the
    export's own session is still reading; False when no row matched ``conditions``."""
    with db.engine.begin() as connection:
        result = connection.execute(update(ExportJob).where(ExportJob.id == job_id, *conditions).values(**values))
        return result.rowcount == 1


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
