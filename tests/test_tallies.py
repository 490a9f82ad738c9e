"""The tallies job (issue 12 item 2): every year's per-unit counts and per-person verdicts equal
the live judging of a generated province; a change marks its units stale and only the next run
changes their figures (an approval; a transfer moves a person's count to the new unit); the
provincial pages read them without judging; runs of a year never interleave; a unit admin's own
page stays live and the 重新计算 button is the province's."""
from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections import Counter

import pytest
from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import event, func, select, update

from bench.data import PASSWORD as BENCH_PASSWORD
from bench.data import PROVINCE_ADMIN_USERNAME, add_credit_records, populate
from portal.accounts import services as accounts
from portal.accounts.actor import actor_for
from portal.compliance import services, summaries, tallies
from portal.extensions import db
from portal.models import AuditEntry, Person, PersonYearVerdict, TallyRun, Unit, UnitYearTally, clock
from portal.transfers import services as transfers
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, compute_tallies, login
from tests.test_dashboards import _text, province  # noqa: F401  (its fixture, used below)
from tests.test_exports import rq_queue  # noqa: F401  (its fixture, used below)

THIS_YEAR = dt.date.today().year
YEARS = (2024, 2025)


def _live(year: int) -> tuple[dict[int, tuple[int, int, int]], dict[int, tuple]]:
    """Per unit (staff, compliant, judged) and per person (unit, verdict, credits), judged now."""
    units: Counter = Counter()
    people = {}
    for answer in services.results(year):
        v = answer.verdict
        units[answer.unit_id, "staff"] += 1
        units[answer.unit_id, "compliant"] += v.compliant is True
        units[answer.unit_id, "judged"] += v.compliant is not None
        people[answer.person_id] = (answer.unit_id, v.compliant, v.credits, v.class_1, v.class_2)
    ids = {unit_id for unit_id, _ in units}
    return ({u: (units[u, "staff"], units[u, "compliant"], units[u, "judged"]) for u in ids}, people)


def _kept(year: int) -> tuple[dict[int, tuple[int, int, int]], dict[int, tuple]]:
    units = {r.unit_id: (r.staff, r.compliant, r.judged) for r in db.session.scalars(
        select(UnitYearTally).where(UnitYearTally.year == year, UnitYearTally.staff > 0))}
    people = {r.person_id: (r.unit_id, r.compliant, r.credits, r.class_1, r.class_2) for r in db.session.scalars(
        select(PersonYearVerdict).where(PersonYearVerdict.year == year))}
    return units, people


@pytest.fixture
def generated(app, monkeypatch):
    """bench's generated province at a small scale: 400 people in 16 units, those of 5 units with
    five years of records (mostly compliant), the others with none (not compliant), some of them
    left or retired; chunks of about 60 people, so a run takes several."""
    with app.app_context():
        # bench's fast SQLite load leaves WAL mode, which needs no other connection open (a job's thread left one).
        db.engine.dispose()
    made = populate(app, 400, 16, 5)
    add_credit_records(app, made)
    with app.app_context():
        summaries.rebuild()
        db.session.commit()
    monkeypatch.setattr(tallies, "CHUNK_PEOPLE", 60)
    return made


def test_the_tallies_equal_the_live_judging_for_every_unit_and_person(app, generated):
    done = compute_tallies(app, YEARS)
    assert [(r.year, r.units) for r in done] == [(year, 17) for year in YEARS]
    with app.app_context():
        for year in YEARS:
            live_units, live_people = _live(year)
            kept_units, kept_people = _kept(year)
            assert kept_units == live_units and kept_people == live_people
            assert len(live_units) == 16 and 0 < sum(c for _, c, _ in live_units.values()) < len(live_people)
            assert db.session.get(TallyRun, year).running_since is None


def test_two_runs_at_once_do_not_count_twice(app, generated):
    results, errors = [], []

    def one():
        try:
            results.append(compute_tallies(app, [2025]))
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert 1 <= sum(len(r) for r in results) <= 2  # the second waited for, or was refused by, the first
    with app.app_context():
        assert _kept(2025) == _live(2025)


def test_a_year_held_by_a_live_run_is_left_to_it(app, generated):
    with app.app_context():
        now = clock.now()
        db.session.add(TallyRun(year=2025, running_since=now, beat_at=now, full=True, units_done=0, units_total=17))
        db.session.commit()
        assert tallies.run([2025]) == [] and tallies.running(2025)
        assert not db.session.scalar(select(UnitYearTally.year).where(UnitYearTally.year == 2025).limit(1))
        # A run that stopped beating died: the next start takes the year over.
        db.session.execute(update(TallyRun).values(beat_at=now - tallies.RUN_STALE - dt.timedelta(seconds=1)))
        db.session.commit()
        assert [r.year for r in tallies.run([2025])] == [2025] and not tallies.running(2025)


def _tally(unit_id: int, year: int) -> UnitYearTally:
    return db.session.get(UnitYearTally, (year, unit_id))


def test_an_approval_changes_its_unit_s_tally_after_the_incremental_run_only(app, client, province):  # noqa: F811
    units, made = province
    hospital = units["33010801"]
    with app.app_context():
        before = {u: _tally(u, 2025).computed_at for u in (hospital, units["330201"])}
    approved_record(app, made["wang"].id, "非向导录入", dt.date(2025, 6, 1), {"credits": "15", "hours": "50"}, "national")
    with app.app_context():
        assert _tally(hospital, 2025).stale and _tally(hospital, 2025).compliant == 2
        assert _tally(hospital, THIS_YEAR).stale  # later years' multi-year requirements look back on 2025
        assert not _tally(units["330201"], 2025).stale
        assert db.session.get(PersonYearVerdict, (2025, made["wang"].id)).compliant is False
    done = compute_tallies(app, [2025, THIS_YEAR], full=False)
    assert [(r.year, r.units) for r in done] == [(2025, 1), (THIS_YEAR, 1)]
    with app.app_context():
        assert (_tally(hospital, 2025).compliant, _tally(hospital, 2025).stale) == (3, False)
        assert _tally(hospital, 2025).computed_at > before[hospital]
        assert _tally(units["330201"], 2025).computed_at == before[units["330201"]]  # not judged again
        assert db.session.get(PersonYearVerdict, (2025, made["wang"].id)).compliant is True
        assert _kept(2025) == _live(2025)


def test_a_transfer_moves_the_person_s_count_to_the_new_unit_after_the_run(app, province):  # noqa: F811
    units, made = province
    a, b = units["33010801"], units["330201"]
    with app.test_request_context():
        actor = actor_for(accounts.find_user("padmin"))
        zhao = db.session.get(Person, made["zhao"].id)
        transfers.decide(actor, transfers.ask(actor, zhao.id_number, to_unit_id=b), True)
        assert _tally(a, THIS_YEAR).stale and _tally(b, THIS_YEAR).stale
        assert (_tally(a, THIS_YEAR).staff, _tally(b, THIS_YEAR).staff) == (4, 3)  # until the run
    compute_tallies(app, [THIS_YEAR], full=False)
    with app.app_context():
        assert (_tally(a, THIS_YEAR).staff, _tally(b, THIS_YEAR).staff) == (3, 4)
        assert db.session.get(PersonYearVerdict, (THIS_YEAR, made["zhao"].id)).unit_id == b
        assert _tally(a, 2025).staff == 4  # the years before the move keep them where they stood
        assert _kept(THIS_YEAR) == _live(THIS_YEAR)


def test_the_provincial_pages_read_the_tallies_without_judging(app, client, province):  # noqa: F811
    units, made = province
    login(client, "padmin", PASSWORD)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        whole = _text(client.get("/compliance/province/?year=2025"))
        city = _text(client.get(f"/compliance/province/?year=2025&city_id={units['3301']}"))
        unit = _text(client.get(f"/compliance/unit/?year=2025&unit_id={units['33010801']}"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "credit_year" in s or "credit_record" in s]
    assert "统计于" in whole and "医院甲" in city
    # The person level: the unit's people not compliant, from the stored verdicts.
    assert "王二" in unit and "李一" not in unit and "统计于" in unit


def test_a_year_without_tallies_is_being_computed_not_judged_by_the_page(app, client, province):  # noqa: F811
    login(client, "padmin", PASSWORD)
    with app.app_context():
        for model in (UnitYearTally, PersonYearVerdict):
            db.session.execute(model.__table__.delete().where(model.year == 2025))
        db.session.commit()
    asked = clock.now()
    html = _text(client.get("/compliance/province/?year=2025"))
    assert "2025 年度的统计数据正在计算" in html
    with app.app_context():  # the page started the job, which computes the year in the background
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while db.session.get(TallyRun, 2025).finished_at < asked and dt.datetime.now() < deadline:
            db.session.remove()
            time.sleep(0.05)
        db.session.remove()
        assert _kept(2025) == _live(2025)


def test_a_unit_admin_s_own_page_stays_live_and_cannot_recount(app, client, province):  # noqa: F811
    units, made = province
    approved_record(app, made["wang"].id, "非向导录入", dt.date(2025, 6, 1), {"credits": "15", "hours": "50"}, "national")
    login(client, made["admin_a"].username, PASSWORD)
    html = _text(client.get("/compliance/unit/?year=2025"))
    assert "在岗人员 4 人，已达标 3 人" in html  # judged now, not from the stale tally (2 of 4)
    token = csrf_from(html)
    assert client.post("/compliance/province/recount", data={"csrf_token": token, "year": "2025"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.get(TallyRun, 2025).running_since is None and _tally(units["33010801"], 2025).stale


def _sheet(data: bytes) -> list[tuple]:
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "单位名称")
    return [row for row in rows[header + 1:] if row[0]]


def _exported_by_job(app, client, kind: str, form: dict[str, str]) -> tuple[dict, bytes]:
    """The signed-in client's export of ``kind`` made as a job (more than 10 rows): its final
    status and its file."""
    saved = app.config["EXPORT_INLINE_ROWS"]
    app.config["EXPORT_INLINE_ROWS"] = 10  # more rows than this: a job with a progress page
    try:
        token = csrf_from(client.get("/compliance/province/?year=2025").get_data(as_text=True))
        started = client.post(f"/exports/{kind}.xlsx", data={"csrf_token": token, **form})
        assert started.status_code == 302 and "/exports/jobs/" in started.location
        job = started.location.rstrip("/").rsplit("/", 1)[-1]
        deadline = time.monotonic() + 60
        while (status := client.get(f"/exports/jobs/{job}.json").get_json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert status["status"] == "done", status
        return status, client.get(status["download_url"]).data
    finally:
        app.config["EXPORT_INLINE_ROWS"] = saved


@pytest.mark.parametrize("failing", ["", "1"])
def test_the_province_s_all_staff_list_is_judged_live_a_chunk_at_a_time_with_each_person_s_unit(app, client, generated,
                                                                                               failing):
    with app.app_context():
        root = db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
        live = sorted((a.unit_name, a.person_no, a.name, a.verdict.result) for a in services.results(2025)
                      if not (failing and a.verdict.compliant))
    assert len({row[0] for row in live}) > 5  # more units than a chunk of 60 people holds
    login(client, PROVINCE_ADMIN_USERNAME, BENCH_PASSWORD)
    status, data = _exported_by_job(app, client, "unit_compliance", {"year": "2025", "unit_id": str(root),
                                                                     "failing": failing})
    rows = _sheet(data)
    assert sorted(row[:3] + row[5:6] for row in rows) == live
    assert status["rows_done"] == status["rows_total"] == len(live)
    # Fewer rows than EXPORT_INLINE_ROWS: the same file, sent at once
    token = csrf_from(client.get("/compliance/province/?year=2025").get_data(as_text=True))
    inline = client.post("/exports/unit_compliance.xlsx", data={"csrf_token": token, "year": "2025", "unit_id": str(root),
                                                                "failing": failing})
    assert inline.status_code == 200 and sorted(_sheet(inline.data)) == sorted(rows)


def test_the_province_exports_everyone_not_compliant_as_a_job_from_the_tallies(app, client, generated):
    compute_tallies(app, [2025])
    with app.app_context():
        numbers = {p.id: p.id_number for p in db.session.scalars(select(Person))}
        failing = sorted((a.unit_name, a.name, numbers[a.person_id][:3] + "*" * 11 + numbers[a.person_id][-4:])
                         for a in services.results(2025) if not a.verdict.compliant)
    assert len(failing) > 10
    login(client, PROVINCE_ADMIN_USERNAME, BENCH_PASSWORD)
    status, data = _exported_by_job(app, client, "failing_people", {"year": "2025"})
    assert status["rows_done"] == status["rows_total"] == len(failing)
    rows = _sheet(data)
    # Each person not compliant once, their ID number masked (its first three and last four characters only).
    assert sorted((row[0], row[3], row[4]) for row in rows) == failing
    assert not set(numbers.values()) & {cell for row in rows for cell in row}
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "failing_export")) == 1


def test_a_city_s_list_is_its_own_and_nobody_but_the_province_gets_one(app, client, users, province):  # noqa: F811
    units, made = province
    login(client, "padmin", PASSWORD)
    token = csrf_from(client.get("/compliance/province/?year=2025").get_data(as_text=True))
    whole = _sheet(client.post("/exports/failing_people.xlsx", data={"csrf_token": token, "year": "2025"}).data)
    assert sorted(row[3] for row in whole) == ["乙管理员", "王二", "甲管理员", "省直一"]
    city = _sheet(client.post("/exports/failing_people.xlsx", data={"csrf_token": token, "year": "2025",
                                                                    "city_id": str(units["3302"])}).data)
    assert [(row[0], row[1], row[3]) for row in city] == [("医院乙", "乙市卫健委", "乙管理员")]
    county = [row for row in whole if row[3] == "王二"][0]
    assert county[:3] == ("医院甲", "甲市卫健委", "甲市某县卫健局") and county[7] == 10 and county[8] > 10
    # A unit admin (of a hospital, or of a city's 卫健委: there is no city admin role) gets nothing.
    city_admin = users.person(units["3301"], role="unit_admin", name="甲市管理员", person_no="S01")
    for who in (made["admin_a"].username, city_admin.username):
        other = client.application.test_client()
        login(other, who, PASSWORD)
        token = csrf_from(other.get("/compliance/unit/?year=2025").get_data(as_text=True))
        for params in ({"year": "2025"}, {"year": "2025", "city_id": str(units["3301"])}):
            assert other.post("/exports/failing_people.xlsx", data={"csrf_token": token, **params}).status_code == 404
        assert other.get("/api/v1/exports/failing_people.xlsx?year=2025").status_code == 404


def test_with_redis_the_command_queues_the_run_for_the_rq_worker(app, province, rq_queue):  # noqa: F811
    units, made = province
    approved_record(app, made["wang"].id, "非向导录入", dt.date(2025, 6, 1), {"credits": "15", "hours": "50"}, "national")
    queued = app.test_cli_runner().invoke(args=["portal", "tallies", "--year", "2025"])
    assert queued.exit_code == 0 and "Queued for 2025." in queued.output and rq_queue.count == 1
    with app.app_context():
        assert _tally(units["33010801"], 2025).stale  # nothing ran in the command
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    with app.app_context():
        assert (_tally(units["33010801"], 2025).compliant, _tally(units["33010801"], 2025).stale) == (3, False)
        assert _kept(2025) == _live(2025)
