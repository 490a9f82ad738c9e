"""What an RQ worker runs (``rq worker portal``): each job builds the app from the environment
(PORTAL_DATABASE_URL, PORTAL_INSTANCE_PATH ...), like the web app, and runs the function it
names inside it (see portal.background); so does the failure callback. This is the entry floor,
beside create_app."""
from __future__ import annotations

from flask import Flask
from werkzeug.utils import import_string

from portal import create_app
from portal.background import collector_spared


def worker_app() -> Flask:
    return create_app()


def run_in_app(function: str, *args) -> None:
    with worker_app().app_context(), collector_spared():
        import_string(function)(*args)


def report_failure(job, connection, *exc_info) -> None:
    """RQ's failure callback: the job's own ``on_failure`` with the job's arguments, at once."""
    with worker_app().app_context():
        import_string(job.meta["on_failure"])(*job.args[1:])
