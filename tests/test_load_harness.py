"""make load's harness (bench/load.py): the database's processes are moved off the server's core
for the run and put back afterwards, the server's CPU a request is counted from its processes
and its core's busy share from the core, and the unit admins' approval of a queue page
(bench/mix.py) decides the records it shows."""
import os
import signal
import subprocess
import sys
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench import load
from bench.mix import approval
from bench.served import CLIENT_CORE, SERVER_CORE
from portal.extensions import db
from portal.models import CreditRecord
from tests.helpers import PASSWORD, login
from tests.test_review_pages import submitted

REDIS_URL = "redis://127.0.0.1:6379/15"


def _new_backends_cores(url: str) -> set[int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return os.sched_getaffinity(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    finally:
        engine.dispose()


def test_postgresql_runs_beside_the_load_generator_for_the_run_only(tmp_path):
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:  # SQLite: nothing to move, and the run goes on
        with load.beside_the_client(f"sqlite:///{tmp_path / 'x.db'}", REDIS_URL):
            pass
        return
    before = _new_backends_cores(url)
    with load.beside_the_client(url, REDIS_URL):
        assert _new_backends_cores(url) == CLIENT_CORE      # a backend started during the run
    assert _new_backends_cores(url) == before


# A stand-in gunicorn: its master spends 0.2 s of CPU, a worker 0.3 s and exits (as a recycled
# worker does, reaped by the master), another 0.1 s and stays.
GUNICORN = """
import os, sys, time
def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
burn(0.2)
recycled = os.fork()
if recycled == 0:
    burn(0.3)
    os._exit(0)
os.waitpid(recycled, 0)
if os.fork() == 0:
    burn(0.1)
    print("worker", flush=True)
    time.sleep(30)
    os._exit(0)
print("master", flush=True)
time.sleep(30)
"""


def test_the_servers_cpu_counts_its_master_and_every_worker_recycled_or_not():
    before = load.server_cpu_seconds()
    server = subprocess.Popen([sys.executable, "-c", GUNICORN, "bench.load_wsgi:app"], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert sorted(server.stdout.readline().strip() for _ in range(2)) == ["master", "worker"]
        assert 0.55 <= load.server_cpu_seconds() - before <= 1.0
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the master and its staying worker
        server.wait()


def test_the_server_cores_busy_share_counts_what_ran_on_it():
    core = min(SERVER_CORE)
    busy_before, all_before = load.core_ticks(core)
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"],
                   check=True, preexec_fn=lambda: os.sched_setaffinity(0, SERVER_CORE))
    busy_after, all_after = load.core_ticks(core)
    ticks_a_second = os.sysconf("SC_CLK_TCK")
    assert busy_after - busy_before >= 0.4 * ticks_a_second
    assert busy_after - busy_before <= all_after - all_before


def test_an_approval_of_a_queue_page_approves_the_records_it_shows(app, client, users):
    unit = users.unit("330101")
    admin, learner = users.person(unit, role="unit_admin"), users.person(unit, self_entry=True)
    shown = [submitted(app, learner, f"学习班{n}")[0] for n in range(3)]
    login(client, admin.username, PASSWORD)
    form = approval(client.get("/review/").get_data(as_text=True))
    assert sorted(int(v) for k, v in form if k == "record_id") == sorted(shown)
    answer = client.post("/review/decide", data=urlencode(form), content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 302
    with app.app_context():
        assert {db.session.get(CreditRecord, i).status for i in shown} == {"approved"}
    assert approval(client.get("/review/").get_data(as_text=True)) == []
