"""`make instructions`: the deadline-day mix's pages counted in instructions, not timed. Builds the
load test's province (bench/load.py) on the local PostgreSQL, then for each page starts the app in
a process of its own under valgrind's callgrind, signs in, asks for the page a few times to warm
it, and counts the instructions of the next requests alone (callgrind_control switches the count
on and off around them). On a shared host the time a page takes swings by more than a change moves
it; its instructions repeat to within a few tenths of a per cent (the hash seed is fixed), so a
change is measured here first.

PORTAL_INSTRUCTIONS_PAGES names pages to count (comma-separated, default all), and
PORTAL_INSTRUCTIONS_REQUESTS how many requests of each (default 10)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from bench.load import REDIS_URL, SERVER, build, log
from bench.mix import APPROVED_AT_ONCE, PAGES, address, approval, entry_fields

WARM_UP = 5
SUBMITTED_EACH = 10  # records each learner submits to fill the admin's queue
COLLECTED = re.compile(r"Collected : (\d+)")


def _count(on: bool) -> None:
    subprocess.run(["callgrind_control", f"--instr={'on' if on else 'off'}", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL)


def _submission(client, plan: dict) -> dict:
    """The entry form filled in as the load test's learners fill it, with a fresh name and file."""
    form = client.get(address("learner: entry form", plan)).get_data(as_text=True)
    return {**entry_fields(form, plan, f"instructions-{uuid.uuid4().hex}"),
            "evidence": (BytesIO(bytes.fromhex(plan["png_hex"])), "证书.png", "image/png")}


def _fill_queue(plan: dict, count: int) -> None:
    """``count`` records submitted through the entry form by learners of the first admin's unit, for
    the admin to approve: the load province's queue holds fewer (in the load test, learners submit
    the records the admins approve)."""
    from bench.load_wsgi import app
    from portal.extensions import db, release_connections
    from portal.models import Person
    from tests.helpers import login

    log(f"submitting {count} records for the review queue ...")
    with app.app_context():
        unit = db.session.scalar(select(Person.unit_id).where(Person.person_no == plan["admins"][0]))
        learners = db.session.scalars(select(Person.person_no).where(
            Person.unit_id == unit, Person.person_no.in_(plan["learners"])).order_by(Person.id)
            .limit(-(-count // SUBMITTED_EACH))).all()
    for n, learner in enumerate(learners):
        client = app.test_client()
        login(client, learner, plan["password"])
        for _ in range(count // len(learners) + (n < count % len(learners))):
            answer = client.post(address("learner: save and submit", plan), data=_submission(client, plan),
                                 content_type="multipart/form-data")
            if answer.status_code not in (302, 303) or "/credits/new" in answer.headers["Location"]:
                raise SystemExit(f"could not submit a record for the queue: {answer.status_code}")
    release_connections(app)


def child(page: str, requests: int) -> None:
    """Run under callgrind: sign in, warm the page up, count ``requests`` of it in one stretch."""
    from bench.load_wsgi import app
    from tests.helpers import login

    plan = json.loads(Path(os.environ["PORTAL_INSTRUCTIONS_PLAN"]).read_text(encoding="utf-8"))
    client = app.test_client()
    if not page.startswith("public"):
        login(client, plan["admins"][0] if page.startswith("admin") else plan["learners"][0], plan["password"])
    url = address(page, plan, plan["verify_tokens"][0])
    if page == "learner: save and submit":  # the forms fetched first: their GETs are not counted
        forms = [_submission(client, plan) for _ in range(WARM_UP + requests)]
        ask = lambda: client.post(url, data=forms.pop(), content_type="multipart/form-data")  # noqa: E731
    elif page == "admin: approve 20":  # a queue page each, read first: each approval decides other records
        forms = [urlencode(approval(client.get(f"{address('admin: review queue', plan)}?page={n}").get_data(as_text=True)))
                 for n in range(WARM_UP + requests, 0, -1)]
        ask = lambda: client.post(url, data=forms.pop(), content_type="application/x-www-form-urlencoded")  # noqa: E731
    else:
        ask = lambda: client.get(url)  # noqa: E731
    for _ in range(WARM_UP):
        if (answer := ask()).status_code not in (200, 302, 303):
            raise SystemExit(f"{page}: {answer.status_code}")
    _count(True)
    for _ in range(requests):
        ask()
    _count(False)


def counted(page: str, requests: int) -> int:
    """Instructions of ``requests`` of ``page`` (and of switching the count on and off)."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
                          sys.executable, "-m", "bench.instructions", "--child", page, str(requests)],
                         env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dict and set orders every run
                         capture_output=True, text=True, check=False)
    found = COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"{page}: callgrind failed\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    from portal import create_app
    from portal.setup import prepare_database
    from tests.helpers import SECRET, scratch_database

    pages = [p for p in PAGES if not os.environ.get("PORTAL_INSTRUCTIONS_PAGES")
             or any(name.strip() in p for name in os.environ["PORTAL_INSTRUCTIONS_PAGES"].split(","))]
    requests = int(os.environ.get("PORTAL_INSTRUCTIONS_REQUESTS", "10"))
    server = os.environ.get("PORTAL_BENCH_DATABASE_URL") or SERVER
    with tempfile.TemporaryDirectory(prefix="cme-instructions-") as tmp, scratch_database(server, "cme_instr") as url:
        settings = {"PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(Path(tmp) / "instance"),
                    "PORTAL_SECRET_KEY": SECRET, "PORTAL_REDIS_URL": REDIS_URL,
                    "PORTAL_INSTRUCTIONS_PLAN": str(Path(tmp) / "plan.json")}
        os.environ.update(settings)
        app = create_app()
        prepare_database(app)
        log("building the load test's province ...")
        plan = build(app)
        if "admin: approve 20" in pages:
            _fill_queue(plan, APPROVED_AT_ONCE * (WARM_UP + requests))
        Path(settings["PORTAL_INSTRUCTIONS_PLAN"]).write_text(json.dumps(plan), encoding="utf-8")
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
        rows = []
        for page in pages:
            rows.append((page, counted(page, requests) / requests / 1e6))
            log(f"{page}: {rows[-1][1]:.2f} million instructions a request")
    print("| page | requests counted | million instructions a request |")
    print("| --- | ---: | ---: |")
    for page, millions in rows:
        print(f"| {page} | {requests} | {millions:.2f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
