"""Work that runs outside the request. ``run_later("portal.exports.jobs.run_job", job_id, ...)``
runs the function named by its dotted path: on RQ (the queue RQ_QUEUE) when REDIS_URL is
configured, where the worker process builds the app from its environment (portal.worker) and
runs the function inside it; otherwise in a daemon thread of this process, inside this app.
Functions are named, not passed, because RQ stores names; the thread takes the same way so that
both run the same code. What a function records of its progress belongs in the database: no
process memory outlives a request."""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from redis import Redis
from rq import Callback, Queue
from werkzeug.utils import import_string

# The functions RQ calls: they build an app, which only the entry floor may do.
RUN_ENTRY = "portal.worker.run_in_app"
FAILURE_ENTRY = "portal.worker.report_failure"
# The threads' names begin with it (then the function's dotted path).
THREAD_NAME = "background "


def run_later(function: str, *args, timeout: int, on_failure: str | None = None) -> None:
    """Run ``function(*args)`` outside the request, stopping it after ``timeout`` seconds on RQ.
    ``on_failure(*args)`` is called in the app when the job failed: it raised (on RQ or in the
    thread), or RQ reports its work horse died or found it abandoned. Raises RedisError when the
    queue is unreachable."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        app = current_app._get_current_object()
        threading.Thread(target=_in_thread, args=(app, function, args, on_failure), name=f"{THREAD_NAME}{function}",
                         daemon=True).start()
        return
    Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url)).enqueue(
        RUN_ENTRY, function, *args, job_timeout=timeout, meta={"on_failure": on_failure},
        on_failure=Callback(FAILURE_ENTRY) if on_failure else None)


def _in_thread(app: Flask, function: str, args: tuple, on_failure: str | None) -> None:
    try:
        with app.app_context():
            import_string(function)(*args)
    except Exception:
        if on_failure is None:
            raise
        app.logger.exception("background %s failed", function)
        with app.app_context():  # a context (and database session) of its own, as on RQ
            import_string(on_failure)(*args)


@contextmanager
def collector_spared() -> Iterator[None]:
    """Leave what exists when the block starts (the app, its modules and metadata: hundreds of
    thousands of objects that outlive any job) out of the garbage collector's full passes while it
    runs. A job that judges thousands of people allocates enough to trigger several, and each one
    walked all of those: half the tallies job's CPU. Only for a process that is the job's own (an
    RQ work horse): freezing is the whole process's, and a thread beside requests would unfreeze
    what the server froze before forking its workers (gunicorn.conf.py)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
