"""What an RQ worker runs (``rq worker exports``): each job builds the app from the environment
(PORTAL_DATABASE_URL, PORTAL_INSTANCE_PATH ...), like the web app, and runs inside it; so does
the failure callback. This is the entry floor, beside create_app: the exports package names
them by their dotted paths only."""
from __future__ import annotations

from flask import Flask

from portal import create_app
from portal.exports import jobs


def worker_app() -> Flask:
    return create_app()


def run_queued(job_id: int) -> None:
    with worker_app().app_context():
        jobs.run_job(job_id)


def report_failure(job, connection, *exc_info) -> None:
    """RQ's failure callback (the job raised, its work horse died, or RQ found it abandoned):
    the export job is marked failed at once."""
    with worker_app().app_context():
        jobs.mark_failed(job.args[0])
