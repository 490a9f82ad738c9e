"""Running an export: at once when the table is small, otherwise as a job.

``start`` is what the pages and the API call. A job runs in the background (portal.background:
on RQ when ``REDIS_URL`` is configured, in a thread of the web process otherwise). The worker builds the
table again with the same builder for the job's user (so the same authorisation applies),
writes it under ``instance/exports/`` and records its progress on the job's row: nothing about a
job is kept in process memory, so any web worker can answer for it.

A running job beats (``heartbeat_at``) every few seconds. A job whose worker died (killed, its
machine restarted, a thread cut off with its web process) stops beating and is marked failed,
its partial file deleted, by ``fail_stale``: whenever a job's status is read (the progress page
asks every two seconds), by ``portal jobs-check``, and at once by RQ's failure callback when the
worker reports the failure."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, url_for
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal import background
from portal.accounts.actor import Actor, actor_for
from portal.exports.builders import builder_of
from portal.exports.responses import exporter_class, send_attachment, send_table
from portal.extensions import db
from portal.models import ExportJob

# RQ stops a job after this long; a province-wide export may take a while.
JOB_TIMEOUT = 6 * 3600
# A job that no worker took within this long is marked failed (no worker runs, or the queue lost it).
QUEUED_TIMEOUT = dt.timedelta(hours=1)
# How many heartbeats a running job writes within EXPORT_STALE_SECONDS.
BEATS_PER_TIMEOUT = 12


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
    fail_stale()
    job = ExportJob(user_id=actor.user.id, kind=kind, params=dict(params), exporter=exporter_slug,
                    rows_total=table.expected_rows, filename=f"{table.filename}.{exporter.file_extension}")
    db.session.add(job)
    db.session.commit()
    _dispatch(job.id)
    return job


def expire_old() -> None:
    """Tidy up as each job starts, so that no scheduler is needed: jobs finished more than
    EXPORT_KEEP_DAYS ago lose their file and row. Times are the database's, as the rows' own are."""
    now = db.session.scalar(select(func.now()))
    for job in db.session.scalars(select(ExportJob).where(
            ExportJob.finished_at < now - dt.timedelta(days=current_app.config["EXPORT_KEEP_DAYS"]))):
        (_folder() / job.stored_name).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()


def fail_stale() -> list[int]:
    """Mark failed the running jobs silent for EXPORT_STALE_SECONDS and the jobs queued for
    QUEUED_TIMEOUT, deleting their partial files; returns their ids. One query when none is."""
    now = db.session.scalar(select(func.now()))
    silent = (ExportJob.status == "running") & (func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at)
                                                < now - dt.timedelta(seconds=current_app.config["EXPORT_STALE_SECONDS"]))
    waiting = (ExportJob.status == "queued") & (ExportJob.created_at < now - QUEUED_TIMEOUT)
    found = db.session.execute(select(ExportJob.id, ExportJob.status).where(silent | waiting)).all()
    db.session.commit()
    failed = [job_id for job_id, status in found if (
        mark_failed(job_id, silent) if status == "running"
        else mark_failed(job_id, waiting, error=_("The export could not be started. Try again later.")))]
    if failed:
        current_app.logger.warning("export jobs %s lost their worker and were marked failed", failed)
    return failed


def mark_failed(job_id: int, *conditions, error: str | None = None) -> bool:
    """Mark a queued or running job failed (``error`` for the user: interrupted, by default) and
    delete its partial file; False when the job had finished (or ``conditions`` no longer hold)."""
    if not _set(job_id, ExportJob.status.in_(("queued", "running")), *conditions,
                status="failed", error=error or _("The export was interrupted. Start it again."),
                finished_at=func.now()):
        return False
    stored_name = db.session.scalar(select(ExportJob.stored_name).where(ExportJob.id == job_id))
    db.session.commit()
    (_folder() / stored_name).unlink(missing_ok=True)
    return True


def again(actor: Actor, token: str) -> Response | ExportJob:
    """The same export as the actor's failed job ``token`` (same table, parameters, exporter),
    started anew (see ``start``); 404 unless that job failed."""
    job = own_job(actor, token)
    if job.status != "failed":
        abort(404)
    return start(actor, job.kind, job.params, job.exporter)


def own_job(actor: Actor, token: str) -> ExportJob:
    """The actor's job ``token``; 404 for anyone else's. Stale jobs are marked failed first, so
    a job whose worker died reads as failed within EXPORT_STALE_SECONDS."""
    fail_stale()
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
    if not _set(job_id, ExportJob.status == "queued", status="running", heartbeat_at=func.now()):
        return
    job = db.session.get(ExportJob, job_id)
    path = _folder() / job.stored_name
    running = ExportJob.status == "running"
    try:
        exporter = exporter_class(job.exporter)
        table = builder_of(job.kind)(actor_for(db.session.get(User, job.user_id)), job.params)
        with _beating(job_id), path.open("wb") as out:
            exporter().write(table, out, lambda n: _set(job_id, running, rows_done=n, heartbeat_at=func.now()))
    except Exception as e:
        current_app.logger.exception("export job %s (%s) failed", job_id, job.kind)
        _drop_connection()
        path.unlink(missing_ok=True)
        error = (str(e) if isinstance(e, ValueError)
                 else _("The export failed. Try again; if it fails again, tell your administrator."))
        _set(job_id, running, status="failed", error=error, finished_at=func.now())
    else:
        # rows_total was the builder's expectation; the file holds rows_done (the exporter's last report)
        if not _set(job_id, running, status="done", rows_total=ExportJob.rows_done, finished_at=func.now()):
            path.unlink(missing_ok=True)  # marked failed meanwhile (it missed its heartbeats): no file either
    finally:
        db.session.rollback()


@contextmanager
def _beating(job_id: int) -> Iterator[None]:
    """Write the job's heartbeat from a thread while the block runs, so that a long query
    before the first row (or between progress reports) does not make the job look dead."""
    app = current_app._get_current_object()
    stop = threading.Event()

    def beat():
        with app.app_context():
            while not stop.wait(app.config["EXPORT_STALE_SECONDS"] / BEATS_PER_TIMEOUT):
                try:
                    _set(job_id, ExportJob.status == "running", heartbeat_at=func.now())
                except Exception:  # the database away for a moment: the next beat tries again
                    app.logger.warning("export job %s: heartbeat not written", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"export-job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _dispatch(job_id: int) -> None:
    try:
        background.run_later("portal.exports.jobs.run_job", job_id, timeout=JOB_TIMEOUT,
                             on_failure="portal.exports.jobs.mark_failed")
    except RedisError:
        current_app.logger.exception("export job %s could not be queued", job_id)
        _set(job_id, status="failed", error=_("The export could not be started. Try again later."),
             finished_at=func.now())


def _drop_connection() -> None:
    """After a failed export: a query broken off may leave its statement open on the connection
    the rows were read on (on SQLite with a read snapshot that stops the connection from writing
    again), so close that one rather than pool it. It is the session's connection now, not
    necessarily the one it began with: a table's builder may have committed in between."""
    with suppress(SQLAlchemyError):  # the error broke the transaction: the rollback below releases its connection
        db.session.connection().invalidate()
    db.session.rollback()


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
