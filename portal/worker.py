"""What an RQ worker runs (``rq worker exports``): each job builds the app from the environment
(PORTAL_DATABASE_URL, PORTAL_INSTANCE_PATH ...), like the web app, and runs inside it. This is
the entry floor, beside create_app: the exports package names it by its dotted path only."""
from __future__ import annotations

from flask import Flask

from portal import create_app
from portal.exports import jobs


def worker_app() -> Flask:
    return create_app()


def run_queued(job_id: int) -> None:
    with worker_app().app_context():
        jobs.run_job(job_id)
