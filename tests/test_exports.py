"""Exports through the pages and the API: a small table is sent at once, a large one becomes a
job (in a thread, or on RQ) with a progress page; jobs and their files are their owner's only;
a job whose worker is killed is marked failed within seconds, its file gone, and exported again."""
from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
import redis
from flask import abort
from rq import Queue, SimpleWorker
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, text

from portal import worker
from portal.contracts import Column, Table
from portal.exports import builders
from portal.extensions import db
from portal.models import ExportJob, Person
from tests.conftest import csrf_from
from tests.helpers import api_token, login, make_test_app

ROOT = Path(__file__).resolve().parent.parent
KIND = "test_rows"
TITLE = "测试明细"
FILENAME = "测试明细_2024"
DANGEROUS = ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)")
COLUMNS = (Column("姓名", "text", 12), Column("活动日期", "date", 12), Column("学分", "credits", 8),
           Column("学时", "hours", 8), Column("序号", "integer", 8), Column("备注", "text", 24))
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_rows(actor, params) -> Table:
    """``n`` rows read from the database (so a job streams a query while it reports progress),
    each naming the actor; ``fail_after`` breaks the rows part way; ``pause`` seconds pass before
    each row; ``commit_first`` commits before the rows are read (as a builder reading the tallies
    does); ``secret`` is not for anyone."""
    if "secret" in params:
        abort(404)
    try:
        n = int(params.get("n", "3"))
    except ValueError:
        raise ValueError("n 必须是整数") from None
    fail_after = int(params.get("fail_after", "0"))
    pause = float(params.get("pause", "0"))
    username = actor.user.username
    if params.get("commit_first"):
        db.session.commit()

    def rows():
        result = db.session.execute(text(
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) "
            "SELECT seq.i, u.username FROM seq JOIN ab_user u ON u.id = :user ORDER BY seq.i"), {"n": n, "user": actor.user.id})
        for i, name in result:
            if i == fail_after:
                raise RuntimeError("the database went away")
            time.sleep(pause)
            yield (f"{name}张三", dt.date(2024, 1, 1) + dt.timedelta(days=i % 300), Decimal("1.67"), Decimal("2.5"), i,
                   DANGEROUS[i % len(DANGEROUS)])

    return Table(title=TITLE, filename=FILENAME, columns=COLUMNS, rows=rows(), expected_rows=n,
                 totals=(f"合计 {username}", None, Decimal("1.67") * n, Decimal("2.5") * n, n, None))


def register_test_table(app) -> None:
    builders.add(app, KIND, build_rows)


def worker_with_test_table() -> None:
    """Make the apps an RQ worker builds (``portal.worker.worker_app``) know the test's table too."""
    make_app = worker.worker_app

    def worker_app():
        app = make_app()
        register_test_table(app)
        return app

    worker.worker_app = worker_app


@pytest.fixture
def test_table(app):
    register_test_table(app)
    yield
    app.extensions[builders.EXTENSION].pop(KIND)


@pytest.fixture
def learner(users, client):
    unit = users.unit("330100001", "测试医院")
    made = users.person(unit, self_entry=True, name="王五")
    login(client, made.username, made.password)
    return made


@pytest.fixture
def other(app, users):
    """Another learner, signed in on a client of their own."""
    made = users.person(users.unit("330100002"), self_entry=True, name="赵六")
    other_client = app.test_client()
    login(other_client, made.username, made.password)
    return other_client


@pytest.fixture
def inline_rows(app):
    """Exports of more than 10 rows become jobs."""
    saved = app.config["EXPORT_INLINE_ROWS"]
    app.config["EXPORT_INLINE_ROWS"] = 10
    yield
    app.config["EXPORT_INLINE_ROWS"] = saved


@pytest.fixture
def rq_queue(app, monkeypatch):
    """Jobs go to RQ on Redis database 15; the in-process worker runs them in the test app."""
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    # A queue of this run's own, so that two test runs on one machine do not take each other's jobs.
    queue = Queue(f"portal-test-{uuid.uuid4().hex}", connection=connection)
    saved = app.config["REDIS_URL"], app.config["RQ_QUEUE"]
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = REDIS_TEST_URL, queue.name
    monkeypatch.setattr(worker, "worker_app", lambda: app)
    yield queue
    app.config["REDIS_URL"], app.config["RQ_QUEUE"] = saved
    queue.empty()


def token_of(client) -> str:
    return csrf_from(client.get("/credits/mine").get_data(as_text=True))


def post_export(client, kind=KIND, exporter="xlsx", **params):
    return client.post(f"/exports/{kind}.{exporter}", data={"csrf_token": token_of(client), **params})


def read_back(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def wait_until_finished(get_status, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = get_status()
        if status["status"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, f"job not finished: {status}"
        time.sleep(0.05)


def check_workbook(sheet, n: int, username: str) -> None:
    assert sheet.title == TITLE
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    assert sheet.max_row == n + 2
    name, day, credits, hours, number, remark = sheet[2]
    assert name.value == f"{username}张三"
    assert isinstance(day.value, dt.datetime) and day.value.date() == dt.date(2024, 1, 2)
    assert credits.value == 1.67 and credits.number_format == "0.00"
    assert hours.value == 2.5 and number.value == 1
    assert remark.value == "'+1"
    assert sheet.cell(n + 1, 5).value == n
    assert sheet.cell(n + 2, 1).value == f"合计 {username}" and sheet.cell(n + 2, 5).value == n
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


# --- at once ---------------------------------------------------------------------------------------

def test_small_export_is_sent_at_once(client, learner, test_table):
    response = post_export(client, n="4")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=\"2024.xlsx\"; filename*=UTF-8''{quote(FILENAME + '.xlsx')}"
    assert "%E6%B5%8B%E8%AF%95%E6%98%8E%E7%BB%86_2024.xlsx" in disposition
    sheet = read_back(response.data)
    check_workbook(sheet, 4, learner.username)
    dangerous = [sheet.cell(row, 6).value for row in range(2, 6)]
    assert sorted(dangerous) == sorted("'" + d for d in DANGEROUS)


def test_export_needs_the_csrf_token_and_a_login(app, client, learner, test_table):
    refused = client.post(f"/exports/{KIND}.xlsx", data={"n": "2"})
    assert refused.status_code == 400
    anonymous = app.test_client().post(f"/exports/{KIND}.xlsx", data={"n": "2"})
    assert anonymous.status_code in (302, 400)
    assert not anonymous.data.startswith(b"PK")


def test_unknown_table_exporter_or_hidden_rows_answer_404(client, learner, test_table):
    assert post_export(client, kind="nothing").status_code == 404
    assert post_export(client, exporter="xls").status_code == 404
    assert post_export(client, secret="1").status_code == 404


def test_a_document_exporter_cannot_export_a_table(app, client, learner, test_table):
    """The certificate PDF is registered among the exporters, but it writes documents, not tables:
    a table export through it answers 404, on the pages and in the API."""
    assert "certificate_pdf" in app.extensions["portal"].exporters
    assert post_export(client, exporter="certificate_pdf", n="2").status_code == 404
    api = app.test_client().get(f"/api/v1/exports/{KIND}.certificate_pdf?n=2", headers=bearer_of(app, learner))
    assert api.status_code == 404


def test_wrong_parameters_go_back_with_the_message(client, learner, test_table):
    response = client.post(f"/exports/{KIND}.xlsx", data={"csrf_token": token_of(client), "n": "many"},
                           headers={"Referer": "http://localhost/credits/mine?year=2024"})
    assert response.status_code == 302 and response.location.endswith("/credits/mine?year=2024")
    assert "n 必须是整数" in client.get("/credits/mine").get_data(as_text=True)
    elsewhere = client.post(f"/exports/{KIND}.xlsx", data={"csrf_token": token_of(client), "n": "many"},
                            headers={"Referer": "http://evil.example/credits/mine"})
    assert elsewhere.status_code == 302 and "evil" not in elsewhere.location


def test_a_builder_name_is_registered_once(app, test_table):
    register_test_table(app)  # the same builder again: no change
    with pytest.raises(ValueError, match="already registered"):
        builders.add(app, KIND, lambda actor, params: None)


def test_each_app_has_its_own_tables(app, database_url, tmp_path, test_table):
    """A table added to one app is unknown to another app in the same process."""
    other = make_test_app(database_url, tmp_path)
    with other.app_context():
        assert builders.builder_of(KIND) is None and builders.builder_of("credits") is not None
    with app.app_context():
        assert builders.builder_of(KIND) is build_rows


# --- jobs ------------------------------------------------------------------------------------------

def test_large_export_becomes_a_job_with_a_progress_page(app, client, learner, other, test_table, inline_rows):
    response = post_export(client, n="2500")
    assert response.status_code == 302 and "/exports/jobs/" in response.location
    token = response.location.rsplit("/", 1)[1]
    page = client.get(f"/exports/jobs/{token}").get_data(as_text=True)
    assert "export_job.js" in page and "<progress" in page and f"{FILENAME}.xlsx" in page

    status = wait_until_finished(lambda: client.get(f"/exports/jobs/{token}.json").json)
    assert status == {"status": "done", "rows_done": 2500, "rows_total": 2500, "error": None,
                      "download_url": f"/exports/jobs/{token}/file"}
    assert "export-download" in client.get(f"/exports/jobs/{token}").get_data(as_text=True)
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == XLSX
    assert f"filename*=UTF-8''{quote(FILENAME + '.xlsx')}" in download.headers["Content-Disposition"]
    check_workbook(read_back(download.data), 2500, learner.username)

    with app.app_context():
        job = db.session.scalar(select(ExportJob).where(ExportJob.token == token))
        assert job.kind == KIND and job.params == {"n": "2500"} and job.finished_at is not None
        assert (Path(app.instance_path) / "exports" / job.stored_name).is_file()
    for url in (f"/exports/jobs/{token}", f"/exports/jobs/{token}.json", f"/exports/jobs/{token}/file"):
        assert other.get(url).status_code == 404


def test_a_failed_job_says_so_and_keeps_no_file(app, client, learner, test_table, inline_rows):
    response = post_export(client, n="2500", fail_after="1500")
    token = response.location.rsplit("/", 1)[1]
    status = wait_until_finished(lambda: client.get(f"/exports/jobs/{token}.json").json)
    assert status["status"] == "failed" and status["download_url"] is None
    assert status["error"] and "database" not in status["error"]  # a message for the user, not the exception
    assert status["rows_done"] == 1000
    assert client.get(f"/exports/jobs/{token}/file").status_code == 404
    with app.app_context():
        job = db.session.scalar(select(ExportJob).where(ExportJob.token == token))
        assert not (Path(app.instance_path) / "exports" / job.stored_name).exists()


def test_a_job_whose_table_committed_before_failing_says_it_failed(app, client, learner, test_table, inline_rows):
    """The failure is stored as such, not left running until its heartbeat goes stale: putting
    away the connection the rows were read on no longer breaks on the one the job began with."""
    response = post_export(client, n="2500", fail_after="1500", commit_first="1")
    token = response.location.rsplit("/", 1)[1]
    status = wait_until_finished(lambda: client.get(f"/exports/jobs/{token}.json").json)
    assert status["status"] == "failed" and status["error"] and "中断" not in status["error"]
    assert client.get(f"/exports/jobs/{token}/file").status_code == 404


def jobs_with_files(app, learner, specs: dict) -> tuple[Path, dict[str, tuple[int, str]]]:
    """Export jobs of ``learner``, each with a file: name → (status, then how long before the
    database's now it was created, finished and last beat; None for never). Returns the exports
    folder and name → (job id, stored name)."""
    folder = Path(app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    with app.app_context():
        now = db.session.scalar(select(func.now()))
        user_id = db.session.get(Person, learner.id).user_id
        for name, (status, age, finished, beat) in specs.items():
            job = ExportJob(user_id=user_id, kind=KIND, params={}, exporter="xlsx", filename=f"{name}.xlsx",
                            status=status, created_at=now - age,
                            finished_at=now - finished if finished is not None else None,
                            heartbeat_at=now - beat if beat is not None else None)
            db.session.add(job)
            db.session.flush()
            (folder / job.stored_name).write_bytes(b"x")
            made[name] = (job.id, job.stored_name)
        db.session.commit()
    return folder, made


def test_starting_a_job_tidies_up_old_ones(app, client, learner, test_table, inline_rows):
    """Files of jobs finished more than EXPORT_KEEP_DAYS (7) ago go, with their rows; a job left
    running with no heartbeat (its thread died with a restart) is marked failed, its file gone."""
    folder, made = jobs_with_files(app, learner, {
        "old": ("done", dt.timedelta(days=9), dt.timedelta(days=8), None),
        "recent": ("done", dt.timedelta(days=2), dt.timedelta(days=1), None),
        "stuck": ("running", dt.timedelta(hours=7), None, None),
        "busy": ("running", dt.timedelta(minutes=5), None, dt.timedelta(0)),
    })
    response = post_export(client, n="2500")
    assert response.status_code == 302 and "/exports/jobs/" in response.location
    with app.app_context():
        jobs_left = {j.id: j for j in db.session.scalars(select(ExportJob))}
        assert made["old"][0] not in jobs_left and not (folder / made["old"][1]).exists()
        assert jobs_left[made["recent"][0]].status == "done" and (folder / made["recent"][1]).exists()
        stuck = jobs_left[made["stuck"][0]]
        assert stuck.status == "failed" and "中断" in stuck.error and stuck.finished_at is not None
        assert not (folder / made["stuck"][1]).exists()
        assert jobs_left[made["busy"][0]].status == "running"
    token = response.location.rsplit("/", 1)[1]
    assert wait_until_finished(lambda: client.get(f"/exports/jobs/{token}.json").json)["status"] == "done"


def test_with_redis_the_job_runs_on_rq(app, client, learner, test_table, inline_rows, rq_queue):
    response = post_export(client, n="1200")
    token = response.location.rsplit("/", 1)[1]
    assert rq_queue.count == 1
    assert client.get(f"/exports/jobs/{token}.json").json["status"] == "queued"

    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    status = client.get(f"/exports/jobs/{token}.json").json
    assert status["status"] == "done" and status["rows_done"] == 1200
    check_workbook(read_back(client.get(status["download_url"]).data), 1200, learner.username)


def test_a_real_rq_worker_runs_the_job_in_an_app_from_the_environment(app, database_url, client, learner,
                                                                      test_table, inline_rows, rq_queue):
    """``rq worker portal`` (a separate process, forking a work horse per job) builds the app
    from PORTAL_* like the web process does."""
    token = post_export(client, n="30").location.rsplit("/", 1)[1]
    env = {"PATH": os.environ["PATH"], "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": app.instance_path,
           "PORTAL_SECRET_KEY": app.config["SECRET_KEY"]}
    # The test's table is registered in the worker too, before rq's own command line runs.
    script = ("from tests.test_exports import worker_with_test_table; worker_with_test_table(); from rq.cli import main; "
              f"main(['worker', '{rq_queue.name}', '--burst', '--url', '{REDIS_TEST_URL}'])")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status = client.get(f"/exports/jobs/{token}.json").json
    assert status["status"] == "done", (status, done.stderr)
    check_workbook(read_back(client.get(status["download_url"]).data), 30, learner.username)


# --- the API ---------------------------------------------------------------------------------------

def bearer_of(app, made) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(app.test_client(), made.username, made.password)}"}


def test_api_sends_a_small_export(app, learner, test_table):
    bearer = bearer_of(app, learner)
    fresh = app.test_client()
    response = fresh.get(f"/api/v1/exports/{KIND}.xlsx?n=3", headers=bearer)
    assert response.status_code == 200 and response.mimetype == XLSX
    assert f"filename*=UTF-8''{quote(FILENAME + '.xlsx')}" in response.headers["Content-Disposition"]
    check_workbook(read_back(response.data), 3, learner.username)

    wrong = fresh.get(f"/api/v1/exports/{KIND}.xlsx?n=many", headers=bearer)
    assert wrong.status_code == 400 and wrong.json["message"] == "n 必须是整数"
    assert fresh.get(f"/api/v1/exports/{KIND}.xlsx?secret=1", headers=bearer).status_code == 404
    assert fresh.get("/api/v1/exports/nothing.xlsx", headers=bearer).status_code == 404
    assert fresh.get(f"/api/v1/exports/{KIND}.xlsx").status_code == 401


def test_api_answers_202_for_a_job(app, learner, users, test_table, inline_rows):
    bearer = bearer_of(app, learner)
    fresh = app.test_client()
    response = fresh.get(f"/api/v1/exports/{KIND}.xlsx?n=1500", headers=bearer)
    assert response.status_code == 202
    token = response.json["job"]
    assert response.json["status_url"] == f"/api/v1/exports/jobs/{token}"
    assert response.json["download_url"] == f"/api/v1/exports/jobs/{token}/file"

    status = wait_until_finished(lambda: fresh.get(response.json["status_url"], headers=bearer).json)
    assert status["status"] == "done" and status["download_url"] == response.json["download_url"]
    check_workbook(read_back(fresh.get(status["download_url"], headers=bearer).data), 1500, learner.username)

    someone = users.person(users.unit("330100003"), name="钱七")
    theirs = bearer_of(app, someone)
    assert fresh.get(response.json["status_url"], headers=theirs).status_code == 404
    assert fresh.get(response.json["download_url"], headers=theirs).status_code == 404


def test_api_compliance_route_gives_the_year(app, learner, monkeypatch):
    seen = {}

    def compliance(actor, params):
        seen.update(params)
        return Table(title="达标情况", filename="达标情况", columns=(Column("年度", "integer"),), rows=iter([(2024,)]))

    monkeypatch.setitem(app.extensions[builders.EXTENSION], "compliance", compliance)
    response = app.test_client().get("/api/v1/exports/compliance/2024.xlsx?unit=5", headers=bearer_of(app, learner))
    assert response.status_code == 200 and seen == {"year": "2024", "unit": "5"}
    assert read_back(response.data)["A2"].value == 2024


# --- a worker killed mid-job ---------------------------------------------------------------------

STALE_SECONDS = 2


@pytest.fixture
def stale_after(app):
    """A running job silent for STALE_SECONDS lost its worker (a minute in production)."""
    saved = app.config["EXPORT_STALE_SECONDS"]
    app.config["EXPORT_STALE_SECONDS"] = STALE_SECONDS
    yield
    app.config["EXPORT_STALE_SECONDS"] = saved


def killable_worker(app, database_url, client, token: str, queue: str) -> subprocess.Popen:
    """``rq worker portal`` in a process of its own that runs the job in itself (SimpleWorker,
    so killing the process kills the job), started on the job ``token`` and left once the job
    is running with its file begun."""
    env = {"PATH": os.environ["PATH"], "PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": app.instance_path,
           "PORTAL_SECRET_KEY": app.config["SECRET_KEY"], "PORTAL_EXPORT_STALE_SECONDS": str(STALE_SECONDS)}
    script = ("from tests.test_exports import worker_with_test_table; worker_with_test_table(); from rq.cli import main; "
              f"main(['worker', '{queue}', '--burst', '--url', '{REDIS_TEST_URL}', '-w', 'rq.worker.SimpleWorker'])")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while client.get(f"/exports/jobs/{token}.json").json["status"] != "running" or not partial_file(app, token).exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker did not start the job"
        time.sleep(0.05)
    return process


def partial_file(app, token: str) -> Path:
    with app.app_context():
        return Path(app.instance_path) / "exports" / db.session.scalar(
            select(ExportJob.stored_name).where(ExportJob.token == token))


def test_a_job_whose_worker_is_killed_reads_failed_within_seconds_and_is_exported_again(
        app, database_url, client, learner, test_table, inline_rows, rq_queue, stale_after):
    token = post_export(client, n="300", pause="0.02").location.rsplit("/", 1)[1]
    worker_process = killable_worker(app, database_url, client, token, rq_queue.name)
    # Longer than the stale time without a progress report (one per 1,000 rows): the heartbeat keeps it alive.
    time.sleep(STALE_SECONDS + 1)
    assert client.get(f"/exports/jobs/{token}.json").json["status"] == "running"

    worker_process.send_signal(signal.SIGKILL)
    worker_process.wait()
    killed = time.monotonic()
    status = wait_until_finished(lambda: client.get(f"/exports/jobs/{token}.json").json, timeout=30)

    assert time.monotonic() - killed < STALE_SECONDS + 5
    assert status["status"] == "failed" and status["error"] == "导出被中断，请重新导出。"
    assert status["download_url"] is None and not partial_file(app, token).exists()
    page = client.get(f"/exports/jobs/{token}").get_data(as_text=True)
    assert "导出被中断，请重新导出。" in page and "重新导出</button>" in page and 'class="export-again"' in page

    again = client.post(f"/exports/jobs/{token}/again", data={"csrf_token": token_of(client)})
    assert again.status_code == 302 and "/exports/jobs/" in again.location
    new_token = again.location.rsplit("/", 1)[1]
    assert new_token != token
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    status = client.get(f"/exports/jobs/{new_token}.json").json
    assert status["status"] == "done" and status["rows_done"] == 300
    check_workbook(read_back(client.get(status["download_url"]).data), 300, learner.username)
    assert client.post(f"/exports/jobs/{new_token}/again", data={"csrf_token": token_of(client)}).status_code == 404


def test_rq_finding_the_killed_job_abandoned_marks_it_failed_at_once(app, database_url, client, learner, test_table,
                                                                     inline_rows, rq_queue):
    """RQ's failure callback (here called by RQ's clean-up of abandoned jobs) marks the job
    failed without waiting for its heartbeat to go stale (a minute here)."""
    token = post_export(client, n="300", pause="0.02").location.rsplit("/", 1)[1]
    worker_process = killable_worker(app, database_url, client, token, rq_queue.name)
    worker_process.send_signal(signal.SIGKILL)
    worker_process.wait()
    assert client.get(f"/exports/jobs/{token}.json").json["status"] == "running"

    StartedJobRegistry(rq_queue.name, connection=rq_queue.connection).cleanup(time.time() + 24 * 3600)

    status = client.get(f"/exports/jobs/{token}.json").json
    assert status["status"] == "failed" and status["error"] == "导出被中断，请重新导出。"
    assert not partial_file(app, token).exists()


def test_jobs_check_marks_stale_jobs_failed_from_the_command_line(app, learner, test_table):
    """``portal jobs-check``: a running job silent for a minute and a job queued for an hour
    no worker took are failed, their files deleted; a job beating now is left alone."""
    folder, made = jobs_with_files(app, learner, {
        "silent": ("running", dt.timedelta(minutes=5), None, dt.timedelta(minutes=2)),
        "alive": ("running", dt.timedelta(minutes=5), None, dt.timedelta(0)),
        "untaken": ("queued", dt.timedelta(hours=2), None, None),
        "waiting": ("queued", dt.timedelta(minutes=2), None, None),
    })
    result = app.test_cli_runner().invoke(args=["portal", "jobs-check"])
    assert result.exit_code == 0 and "2 export jobs marked failed." in result.output
    with app.app_context():
        found = {name: db.session.get(ExportJob, made[name][0]) for name in made}
        assert found["silent"].status == "failed" and found["silent"].error == "导出被中断，请重新导出。"
        assert found["untaken"].status == "failed" and found["untaken"].error == "导出未能开始,请稍后重试。"
        assert (found["alive"].status, found["waiting"].status) == ("running", "queued")
    assert [(folder / made[name][1]).exists() for name in ("silent", "untaken", "alive", "waiting")] == [
        False, False, True, True]
