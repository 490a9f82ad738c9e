"""Throughput under the production server: the learner's 录入学分查询管理 beside FAB's stock list,
each served by gunicorn with the shipped config and 2 sync workers. The server is pinned to one
core and the load generator (threads in this process) to the other, so the figure is the
server core's: requests a second, reported as milliseconds of one worker per request."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from bench.table import Row
from tests.helpers import CAPTCHA, SECRET, free_port, scratch_database

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLIENTS = 6
ROUND_SECONDS = 6
ROUNDS = 5
SERVER_CORE, CLIENT_CORE = {1}, {0}


@contextmanager
def gunicorn(database_url: str, instance: Path, app: str = "bench.wsgi:app", workers: int = WORKERS,
             env: dict[str, str] | None = None):
    """gunicorn with the shipped config serving ``app`` on a free port, pinned to SERVER_CORE;
    yields its base URL."""
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(instance),
           "PORTAL_SECRET_KEY": SECRET, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", app],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL, preexec_fn=lambda: os.sched_setaffinity(0, SERVER_CORE))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start for the bench") from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def signed_in(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """An opener holding the session cookie of a login through the real form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(base + "/login/captcha.png").read()
    body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password,
                                   "captcha": CAPTCHA}).encode()
    landing = opener.open(base + "/login/", body)
    if "/login" in landing.url:
        raise RuntimeError(f"could not sign in as {username} under gunicorn")
    return opener


def requests_per_second(opener, url: str) -> float:
    """Completed 200s a second with CLIENTS threads asking at once for ROUND_SECONDS."""
    done, stop = [0] * CLIENTS, time.monotonic() + ROUND_SECONDS

    def client(i: int) -> None:
        while time.monotonic() < stop:
            with opener.open(url, timeout=30) as response:
                response.read()
                assert response.status == 200, f"{url}: {response.status}"
            done[i] += 1

    seconds = _in_threads(client)  # before the sum: the threads fill ``done``
    return sum(done) / seconds


def compare_throughput(database_url: str, instance: Path, username: str, password: str,
                       ours: str, baseline: str) -> tuple[float, float]:
    """Median requests a second of ``ours`` and ``baseline``, taking turns."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, CLIENT_CORE)
    try:
        with gunicorn(database_url, instance) as base:
            opener = signed_in(base, username, password)
            for url in (ours, baseline):          # warm both workers' caches
                requests_per_second(opener, base + url)
            rates: tuple[list[float], list[float]] = ([], [])
            for _ in range(ROUNDS):
                for rate, url in zip(rates, (ours, baseline), strict=True):
                    rate.append(requests_per_second(opener, base + url))
    finally:
        os.sched_setaffinity(0, saved)
    return statistics.median(rates[0]), statistics.median(rates[1])


def latency_load(make_request: Callable[[], urllib.request.Request], expected: int) -> tuple[float, float]:
    """Requests a second and the 95th percentile latency (ms) with CLIENTS threads for ROUND_SECONDS,
    each sending ``make_request()`` and expecting the status ``expected``."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    stop = time.monotonic() + ROUND_SECONDS

    def client(i: int) -> None:
        while time.monotonic() < stop:
            request = make_request()
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                assert response.status == expected, response.status
            latencies[i].append((time.perf_counter() - started) * 1000)

    seconds = _in_threads(client)
    found = sorted(x for one in latencies for x in one)
    return len(found) / seconds, found[int(len(found) * 0.95)]


def _in_threads(client: Callable[[int], None]) -> float:
    """Run ``client(i)`` in CLIENTS threads at once; the seconds until the last one ended."""
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def beside_login(database_url: str, instance: Path, requests_for: Callable[[str], Callable[[], urllib.request.Request]],
                 expected: int, rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(requests/s, p95 ms) of ``requests_for(base)`` and of the login page served by the same
    gunicorn, medians of ``rounds`` taking turns after a warm-up of each."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, CLIENT_CORE)
    try:
        with gunicorn(database_url, instance) as base:
            ours_request = requests_for(base)
            login = lambda: urllib.request.Request(base + "/login/")  # noqa: E731
            latency_load(ours_request, expected)
            latency_load(login, 200)
            ours, theirs = [], []
            for _ in range(rounds):
                ours.append(latency_load(ours_request, expected))
                theirs.append(latency_load(login, 200))
    finally:
        os.sched_setaffinity(0, saved)

    def median(pairs):
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    return median(ours), median(theirs)


def on_both_databases(prefix: str, run: Callable[[str, Path, str], list[Row]]) -> list[Row]:
    """The rows ``run(database_url, instance, label)`` makes on SQLite and, when
    PORTAL_BENCH_DATABASE_URL names a server, on a PostgreSQL database of its own."""
    with tempfile.TemporaryDirectory(prefix=f"cme-bench-{prefix}-") as tmp:
        rows = run(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "sqlite", "SQLite")
        server = os.environ.get("PORTAL_BENCH_DATABASE_URL")
        if server:
            with scratch_database(server, f"cme_bench_{prefix}") as url:
                rows += run(url, Path(tmp) / "postgresql", "PostgreSQL")
    return rows
