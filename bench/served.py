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
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import CAPTCHA, SECRET, free_port

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

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started)


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
