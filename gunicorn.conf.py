"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py run:app`.

Each value can be changed from the environment (PORTAL_BIND, PORTAL_WORKERS, PORTAL_TIMEOUT) or
on the command line, which wins over this file."""
import gc
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# Sync workers: a request is database work and template rendering, bound by CPU.
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Migrate once in the master, then fork; post_fork below keeps the forks from sharing connections.
preload_app = True
# The longest request is a batch of certificates (about 35 ms a page); larger work runs as a job.
timeout = int(os.environ.get("PORTAL_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, spread out so they never restart together.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The request id is the one the portal answered with (X-Request-ID), so a line here and the
# portal's own log lines for the same request can be joined.
access_log_format = '%(h)s %({x-request-id}o)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Query values that may be personal (a search by ID number or name) are left out of that line.
logger_class = "portal.operations.access_log.RedactingLogger"


# Each worker writes its Prometheus counts to a file in this folder and /metrics adds them up.
# Made afresh before the app (and prometheus_client) is imported: counts left by an earlier
# server would be added to this one's.
METRICS_FOLDER = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"cme-portal-metrics-{os.getpid()}"))
shutil.rmtree(METRICS_FOLDER, ignore_errors=True)
os.makedirs(METRICS_FOLDER)


def on_exit(server):
    shutil.rmtree(METRICS_FOLDER, ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    # Every page template compiled here, once, before the workers fork: each worker (and each one
    # that replaces a worker recycled after max_requests) shares them, rather than compiling its
    # own on its first pages.
    app = server.app.callable
    if app is not None:
        for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
            app.jinja_env.get_template(name)


def pre_fork(server, worker):
    # The pre-loaded app's objects stay out of the collector's sight in the workers: they are
    # not walked at each collection, and their memory stays shared with the master.
    gc.freeze()


def post_fork(server, worker):
    # The master released its connections after start-up; should anything have opened one
    # since, the worker forgets it rather than sharing it.
    app = server.app.callable
    if app is not None:
        from portal.extensions import release_connections

        release_connections(app, close=False)
