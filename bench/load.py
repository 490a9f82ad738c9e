"""`make load`: the deadline-day load test. Builds a province on the local PostgreSQL (a database
of its own, dropped at the end), serves it with gunicorn and the shipped configuration (Redis for
sessions and rate limits) pinned to one core, and runs the mix of bench/locustfile.py with locust
pinned to the other core for a bounded time. Prints requests/s per core, p50/p95/p99 and errors
per request kind, then counts in the database that every submission answered 2xx is stored
exactly once and that no other submission was stored.

PORTAL_BENCH_DATABASE_URL names the PostgreSQL server; PORTAL_LOAD_USERS, PORTAL_LOAD_SECONDS and
PORTAL_LOAD_WORKERS change the load (220 users arriving over 30 s, 120 s in all, 4 sync workers by default)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from redis.exceptions import RedisError
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from bench.data import PASSWORD, add_credit_records, populate
from bench.served import CLIENT_CORE, ROOT, SERVER_CORE, gunicorn
from portal import create_app
from portal.accounts.actor import actor_for
from portal.accounts.roles import UNIT_ADMIN
from portal.certificates import services as certificates
from portal.extensions import db
from portal.models import CreditRecord, Person
from portal.setup import prepare_database
from tests.helpers import CAPTCHA, SECRET, scratch_database
from tests.test_credit_pages import png_bytes

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"
PEOPLE, UNITS, CREDIT_UNITS = 20_000, 200, 10
CERTIFIED_LEARNERS, CERTIFICATES_EACH = 20, 10
# Each user waits about a second between requests, so 150 users offered at most about 150 requests
# a second whatever the server did: too few to show the budget's 150. 220 offer about 180.
USERS = int(os.environ.get("PORTAL_LOAD_USERS", "220"))
SECONDS = int(os.environ.get("PORTAL_LOAD_SECONDS", "120"))
# Users arrive over RAMP_SECONDS: all of them signing in within a few seconds would measure a
# sign-in storm no deadline day sees.
RAMP_SECONDS = 30
# Each worker waits on PostgreSQL, Redis and the client's closing of the connection: with three,
# all three were waiting at once for a seventh of the run (the core 86 % busy), and four kept it
# busier at the same CPU a request (docs/scale.md, stop 20).
WORKERS = int(os.environ.get("PORTAL_LOAD_WORKERS", "4"))
YEAR = 2025
BUDGET_RPS, BUDGET_P95_MS = 150, 500


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def beside_the_client(url: str, redis_url: str):
    """PostgreSQL (its postmaster and every backend; new backends inherit the postmaster's cores)
    and Redis moved to the load generator's core for the run, then back: their CPU (a production
    database has a machine of its own) otherwise lands on the server's core too, about a tenth of
    it. Only for servers on this machine, as a user who may move them; otherwise they stay."""
    moved: dict[int, set[int]] = {}
    postmaster = None
    try:
        engine = create_engine(url)
        with engine.connect() as connection:  # the backend's parent read while it still runs
            postmaster = _parent(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        engine.dispose()
        for pid in (postmaster, int(redis.Redis.from_url(redis_url).info("server")["process_id"])):
            moved[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, CLIENT_CORE)
        for pid in _children(postmaster):
            with suppress(OSError):  # a backend that ended meanwhile
                moved[pid] = os.sched_getaffinity(pid)
                os.sched_setaffinity(pid, CLIENT_CORE)
        log(f"PostgreSQL and Redis ({len(moved)} processes) moved to core {min(CLIENT_CORE)} for the run")
    except (OSError, SQLAlchemyError, RedisError) as e:
        log(f"PostgreSQL and Redis stay where they run ({e}): the server's core runs some of their work too")
    try:
        yield
    finally:
        backends = _children(postmaster) if postmaster in moved else []
        for pid in [*moved, *backends]:
            with suppress(OSError):  # a backend that ended meanwhile
                os.sched_setaffinity(pid, moved.get(pid, moved.get(postmaster, set())))


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command name (the parent is [1], utime [11] ...)."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
        return f.read().rsplit(")", 1)[1].split()


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])


def server_cpu_seconds() -> float:
    """CPU time gunicorn has spent so far: its master's (with the workers it has reaped, those
    recycled after max_requests) and its live workers'. Throughput swings with what else the
    machine's host runs; the CPU a request costs much less."""
    ticks = 0
    for master in _children(os.getpid()):
        if b"bench.load_wsgi:app" not in Path(f"/proc/{master}/cmdline").read_bytes():
            continue
        fields = _stat(master)
        ticks += sum(int(f) for f in fields[11:15])
        for worker in _children(master):
            with suppress(OSError):
                ticks += sum(int(f) for f in _stat(worker)[11:13])
    return ticks / os.sysconf("SC_CLK_TCK")


def core_ticks(core: int) -> tuple[int, int]:
    """(busy, all) clock ticks the core ``core`` has counted so far (/proc/stat; idle and I/O wait
    are not busy)."""
    with open("/proc/stat", encoding="ascii") as f:
        line = next(line for line in f if line.startswith(f"cpu{core} "))
    ticks = [int(t) for t in line.split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def _children(parent: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with suppress(OSError, ValueError, IndexError):
                if _parent(int(name)) == parent:
                    found.append(int(name))
    return found


def build(app) -> dict:
    """The province, a unit admin for each unit with credit records, certificates to verify; the
    plan the locustfile reads."""
    province = populate(app, PEOPLE, UNITS, CREDIT_UNITS)
    add_credit_records(app, province)
    with app.test_request_context():
        roles = dict(db.session.execute(select(Role.name, Role.id)).all())
        active = select(Person.unit_id, Person.user_id, Person.person_no).where(
            Person.unit_id.in_(province.credit_unit_ids), Person.status == "正常").order_by(Person.id)
        first_of_unit, learners = {}, []
        for unit_id, user_id, username in db.session.execute(active):
            if unit_id not in first_of_unit and unit_id != province.admin_unit_id:
                first_of_unit[unit_id] = user_id
            elif username != province.unit_admin_username:
                learners.append(username)
        db.session.execute(insert(assoc_user_role), [{"user_id": u, "role_id": roles[UNIT_ADMIN]}
                                                      for u in first_of_unit.values()])
        admins = [province.unit_admin_username] + list(db.session.scalars(
            select(Person.person_no).where(Person.user_id.in_(first_of_unit.values()))))
        tokens = []
        for person in db.session.scalars(select(Person).where(Person.person_no.in_(learners[:CERTIFIED_LEARNERS]))):
            ids = db.session.scalars(select(CreditRecord.id).where(CreditRecord.person_id == person.id,
                                                                   CreditRecord.status == "approved")
                                     .order_by(CreditRecord.id).limit(CERTIFICATES_EACH)).all()
            tokens += [c.token for c in certificates.issue(actor_for(person.user), ids)]
        db.session.commit()
    return {"learners": learners, "admins": admins, "verify_tokens": tokens, "password": PASSWORD, "captcha": CAPTCHA,
            "year": YEAR, "activity_date": f"{YEAR}-11-20", "issuing_unit_id": province.admin_unit_id,
            "png_hex": png_bytes().hex()}


def run_locust(base: str, folder: Path, plan: dict) -> tuple[list[dict], Path]:
    (folder / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    answered = folder / "answered.txt"
    answered.touch()
    env = {**os.environ, "LOAD_PLAN": str(folder / "plan.json"), "LOAD_ANSWERED": str(answered)}
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                    "-u", str(USERS), "-r", str(max(1, USERS // RAMP_SECONDS)), "-t", f"{SECONDS}s", "--stop-timeout", "30",
                    "--host", base, "--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING"],
                   cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL,
                   preexec_fn=lambda: os.sched_setaffinity(0, CLIENT_CORE))
    with open(folder / "load_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f)), answered


def exactly_once(app, answered: Path) -> tuple[int, int, int]:
    """(submissions answered 2xx, of them stored exactly once, records stored that no 2xx answered)."""
    names = set(answered.read_text(encoding="utf-8").split())
    with app.app_context():
        stored = dict(db.session.execute(select(CreditRecord.activity_name, func.count()).where(
            CreditRecord.activity_name.like("load-%")).group_by(CreditRecord.activity_name)).all())
    return len(names), sum(1 for n in names if stored.get(n) == 1), sum(1 for n in stored if n not in names)


def table(rows: list[dict]) -> str:
    lines = ["| request | count | per s | p50 ms | p95 ms | p99 ms | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all (one server core)**" if row["Name"] == "Aggregated" else f"`{row['Type']}` {row['Name']}"
        lines.append(f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} "
                     f"| {row['99%']} | {row['Failure Count']} |")
    return "\n".join(lines)


def main() -> None:
    server = os.environ.get("PORTAL_BENCH_DATABASE_URL") or SERVER
    connection = redis.Redis.from_url(REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="cme-load-") as tmp, scratch_database(server, "cme_load") as url:
        folder, instance = Path(tmp), Path(tmp) / "instance"
        settings = {"PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_SECRET_KEY": SECRET,
                    "PORTAL_REDIS_URL": REDIS_URL}
        os.environ.update(settings)
        app = create_app()
        prepare_database(app)
        log(f"building {PEOPLE:,} people in {UNITS} units, records for {CREDIT_UNITS} units ...")
        plan = build(app)
        connection.flushdb()
        log(f"{len(plan['learners'])} learners, {len(plan['admins'])} unit admins, {len(plan['verify_tokens'])} "
            f"certificates; {USERS} users for {SECONDS} s against {WORKERS} workers on one core ...")
        saved = os.sched_getaffinity(0)
        try:
            with beside_the_client(url, REDIS_URL), gunicorn(url, instance, app="bench.load_wsgi:app", workers=WORKERS,
                                                              env=settings) as base:
                started, core_started = server_cpu_seconds(), core_ticks(min(SERVER_CORE))
                rows, answered = run_locust(base, folder, plan)
                cpu_seconds = server_cpu_seconds() - started
                busy, ticks = (b - a for a, b in zip(core_started, core_ticks(min(SERVER_CORE)), strict=True))
        finally:
            os.sched_setaffinity(0, saved)
            connection.flushdb()
        submitted, once, unanswered = exactly_once(app, answered)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    total = next(r for r in rows if r["Name"] == "Aggregated")
    rps, p95, errors = float(total["Requests/s"]), float(total["95%"]), int(total["Failure Count"])
    ok = rps >= BUDGET_RPS and p95 < BUDGET_P95_MS and errors == 0 and once == submitted and not unanswered
    print(table(rows))
    print()
    count = int(total["Request Count"])
    print(f"The server (gunicorn's master and workers) spent {cpu_seconds:.1f} s of CPU on {count} requests: "
          f"{1000 * cpu_seconds / max(count, 1):.1f} ms a request, where {BUDGET_RPS} requests/s on one core allow "
          f"{1000 / BUDGET_RPS:.1f}; the server's core was busy {100 * busy / max(ticks, 1):.0f} % of the run.")
    print(f"Submissions answered 2xx: {submitted}; stored exactly once: {once}; stored without a 2xx answer: "
          f"{unanswered}. Budget: ≥ {BUDGET_RPS} requests/s per core over the mix, p95 < {BUDGET_P95_MS} ms, "
          f"no errors, every answered submission stored once: {'ok' if ok else 'NOT MET'} "
          f"({rps:.1f} requests/s, p95 {p95:.0f} ms, {errors} errors).")


if __name__ == "__main__":
    main()
