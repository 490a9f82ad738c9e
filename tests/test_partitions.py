"""Credit records partitioned by credit year and attendance by its session's year (docs/partitions.md),
on a PostgreSQL database of this module's own (the local server, whichever database the rest of the
suite runs on): every page and query with a period reads only the partitions of its years, and
every read of attendance only its sessions' years, under both plan cache modes; an edit of a
draft's date moves it and its evidence to the other year, and a session moved into another year
its attendance; the database refuses a wrong year from any SQL; ``portal partitions`` makes a year
of both tables and refuses one whose rows sit in a default partition; migration 0031 fills and
partitions the attendance a database has, and its downgrade puts it back."""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import threading

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, select, text
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal import partitions
from portal.accounts.actor import actor_for
from portal.activities import services
from portal.background import THREAD_NAME as BACKGROUND_THREAD
from portal.compliance import summaries
from portal.contracts import face_store
from portal.credits import services as credits
from portal.extensions import db
from portal.models import Attendance, CreditCategory, CreditRecord, EvidenceFile, Person
from portal.review import services as review
from portal.setup import prepare_database
from tests.activity_world import ActivityWorld, activity_body
from tests.helpers import PASSWORD, TestUsers, login, make_test_app, scratch_database

SERVER = os.environ.get("PORTAL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
THIS = dt.date.today().year
PLAN_MODES = ("force_custom_plan", "force_generic_plan")
CATEGORY = "非向导录入"
RECORDS, ATTENDANCE = partitions.CREDIT_RECORD.name, partitions.ATTENDANCE.name


@pytest.fixture(scope="module")
def pg(tmp_root):
    with scratch_database(SERVER, "cme_partitions") as url:
        app = make_test_app(url, tmp_root / "partitions-instance")
        prepare_database(app)
        with app.app_context():
            partitions.ensure(db.session.connection(), THIS - 6, THIS + 1)
            db.session.commit()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _record(app, person_id: int, day: dt.date, status: str = "draft") -> int:
    """A record of the person through the services, with an evidence file; submitted or approved on request."""
    with app.test_request_context():
        owner = actor_for(db.session.get(Person, person_id).user)
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == CATEGORY))
        record = credits.create(owner, category, {"activity_name": "学习班", "activity_date": day},
                                {"credits": "2", "hours": 6, "activity_name": "学习班"}, duplicate_confirmed=True)
        db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year, person_id=person_id,
                                    stored_name=f"{secrets.token_hex(16)}.jpg", original_name="证书.jpg",
                                    media_type="image/jpeg", size=10, sha256="0" * 64))
        db.session.commit()
        if status in ("submitted", "approved"):
            credits.submit(owner, [record])
        if status == "approved":
            from portal.accounts import services as accounts

            review.decide(actor_for(accounts.find_user("padmin")), [record], "approve")
        return record.id


@contextlib.contextmanager
def reads(app, table: str = RECORDS):
    """The statements that read ``table`` in the block (SELECT; for attendance, whose flags and
    years are updated in place, UPDATE and DELETE too), with their parameters."""
    found = []
    verbs = ("SELECT", "WITH") if table == RECORDS else ("SELECT", "WITH", "UPDATE", "DELETE")
    named = re.compile(rf"\b{table}\b")

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if named.search(statement) and statement.lstrip().upper().startswith(verbs):
            found.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def scanned(app, statements, mode: str, table: str = RECORDS) -> set[str]:
    """The partitions of ``table`` the statements' plans read, as PostgreSQL executes them with this
    plan cache mode: auto_explain gives each executed plan as EXPLAIN (FORMAT JSON) does, with the
    partitions pruned at run time (a generic plan's) already left out. What they write is rolled back."""
    with app.app_context():
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    plans: list[str] = []
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.add_notice_handler(lambda notice: plans.append(notice.message_primary))
        conn.execute("LOAD 'auto_explain'")
        for setting in ("auto_explain.log_min_duration = 0", "auto_explain.log_format = json",
                        "auto_explain.log_level = notice", f"plan_cache_mode = {mode}"):
            conn.execute(f"SET {setting}")
        for statement, parameters in statements:
            with conn.transaction(force_rollback=True):
                # Several runs: psycopg prepares a statement on the server from the fifth on.
                for _ in range(6):
                    conn.execute(statement, parameters)
    relations: set[str] = set()
    for plan in plans:
        relations |= set(_relations(json.loads(plan.split("plan:", 1)[1])["Plan"]))
    return {r for r in relations if re.fullmatch(rf"{table}_(\d{{4}}|default)", r)}


def _relations(node: dict):
    if "Relation Name" in node:
        yield node["Relation Name"]
    for child in node.get("Plans", ()):
        yield from _relations(child)


def _partitions_of(*years: int | str, table: str = RECORDS) -> set[str]:
    return {f"{table}_{y}" for y in years}


def test_every_page_with_a_period_reads_only_its_years_partitions(pg):
    users = TestUsers(pg)
    unit = users.unit("339901")
    users.province_admin()
    learner = users.person(unit, self_entry=True)
    admin = users.person(unit, role="unit_admin", name="李四")
    for year in (THIS - 4, THIS - 3, THIS - 2, THIS - 1, THIS):
        for status in ("draft", "submitted", "approved"):
            _record(pg, learner.id, dt.date(year, 3, 1), status)
    as_learner, as_admin = pg.test_client(), pg.test_client()
    login(as_learner, learner.username, PASSWORD)
    login(as_admin, admin.username, PASSWORD)
    year = THIS - 3
    # The years before last year: their partitions, and the default one (which may hold any year).
    earlier = set(range(THIS - 6, THIS - 1)) | {"default"}
    cases = [  # (what, client, address, the years it may read)
        ("我录入的学分 of a year", as_learner, f"/credits/mine?year={year}", {year}),
        ("我录入的学分 by default: this year", as_learner, "/credits/mine", {THIS}),
        ("学分情况查询 by period", as_learner, f"/credits/query/?from={year}-02-01&to={year + 1}-06-30", {year, year + 1}),
        ("学分情况查询 without dates: this year", as_learner, "/credits/query/", {THIS}),
        ("达标情况查询", as_learner, f"/compliance/?year={year}", {year}),
        # Each statement reads last year and this, but the count of what waits in earlier years.
        ("the review queue: last year and this", as_admin, "/review/", ({THIS - 1, THIS}, earlier)),
        # The unit's compliance reads the yearly summary, no record at all.
        ("the unit's compliance year", as_admin, f"/compliance/unit/?year={year}", set()),
    ]
    for what, client, address, years in cases:
        allowed = [_partitions_of(*y) for y in (years if isinstance(years, tuple) else (years,))]
        with reads(pg) as statements:
            assert client.get(address).status_code == 200, what
        for mode in PLAN_MODES:
            wrong = {statement: read for statement, parameters in statements
                     if not any((read := scanned(pg, [(statement, parameters)], mode)) <= a for a in allowed)}
            assert not wrong, (what, mode, wrong)
            assert bool(scanned(pg, statements, mode)) == bool(years), (what, mode)
    # The queue's earlier years, and the summary a unit's compliance is computed from (its
    # deeming records lie in the year or up to two years before).
    with reads(pg) as statements:
        assert as_admin.get("/review/?years=earlier").status_code == 200
        with pg.app_context():
            summaries.compute(person_ids=[learner.id], years=[year])
    for mode in PLAN_MODES:
        read = scanned(pg, statements, mode)
        assert read and read <= _partitions_of(*range(THIS - 6, THIS - 1), "default"), (mode, read)


def test_the_review_queue_says_how_many_wait_in_earlier_years(pg):
    users = TestUsers(pg)
    unit = users.unit("339902")
    learner = users.person(unit, self_entry=True, name="王五")
    admin = users.person(unit, role="unit_admin", name="赵六")
    old = _record(pg, learner.id, dt.date(THIS - 3, 5, 1), "submitted")
    recent = _record(pg, learner.id, dt.date(THIS, 1, 10), "submitted")
    client = pg.test_client()
    login(client, admin.username, PASSWORD)
    page = client.get("/review/").get_data(as_text=True)
    assert f'data-record="{recent}"' in page and f'data-record="{old}"' not in page
    assert "另有 1 条更早年度的记录等待审核" in page and "years=earlier" in page
    earlier = client.get("/review/?years=earlier").get_data(as_text=True)
    assert f'data-record="{old}"' in earlier and f'data-record="{recent}"' not in earlier


def test_records_typed_in_by_hand_take_no_room_in_the_activity_grant_index(pg):
    users = TestUsers(pg)
    learner = users.person(users.unit("339906"), self_entry=True, name="吴十")
    year = THIS - 5  # a year no other test of the module writes
    for month in (1, 2, 3):
        _record(pg, learner.id, dt.date(year, month, 1))
    with pg.app_context():
        # The year's partition of the unique index an activity's grant relies on: its metapage alone (8 KB)
        # while no record of the year came from an activity; a record indexed would take a leaf page more.
        size = db.session.scalar(text(
            "SELECT pg_relation_size(inh.inhrelid) FROM pg_inherits inh JOIN pg_index ix ON ix.indexrelid = inh.inhrelid "
            "WHERE inh.inhparent = 'uq_credit_record_activity_person'::regclass AND ix.indrelid = CAST(:part AS regclass)"),
            {"part": f"{RECORDS}_{year}"})
        assert db.session.scalar(text(f"SELECT count(*) FROM {RECORDS}_{year}")) == 3
    assert size == 8192


def _partition_of(row_id: int, table: str = RECORDS) -> str:
    return db.session.scalar(text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :id"), {"id": row_id})


def test_an_edit_of_a_drafts_date_into_another_year_moves_it_and_its_evidence(pg, app):
    for on in (pg, app):  # PostgreSQL, and the database the suite runs on (SQLite by default)
        users = TestUsers(on)
        learner = users.person(users.unit("339903"), self_entry=True, name="钱七")
        draft = _record(on, learner.id, dt.date(THIS - 1, 11, 2))
        with on.test_request_context():
            if on is pg:
                assert _partition_of(draft) == f"credit_record_{THIS - 1}"
            record = db.session.get(CreditRecord, draft)
            owner = actor_for(db.session.get(Person, learner.id).user)
            credits.update(owner, record, record.version, record.category,
                           {"activity_name": "学习班", "activity_date": dt.date(THIS, 2, 3)},
                           {"credits": "2", "hours": 6, "activity_name": "学习班"})
            db.session.commit()
            db.session.expunge_all()
            moved = db.session.get(CreditRecord, draft)  # found by its id alone
            assert (moved.credit_year, moved.activity_date) == (THIS, dt.date(THIS, 2, 3))
            assert [f.record_year for f in moved.evidence] == [THIS]
            if on is pg:
                assert _partition_of(draft) == f"credit_record_{THIS}"


def test_the_database_refuses_a_wrong_credit_year_from_raw_sql(pg, app):
    users = TestUsers(pg)
    learner = users.person(users.unit("339904"), self_entry=True, name="孙八")
    draft = _record(pg, learner.id, dt.date(THIS - 2, 6, 1))
    for on in (pg, app):  # PostgreSQL, and the database the suite runs on (SQLite by default)
        with on.app_context():
            person = learner.id if on is pg else TestUsers(app).person(TestUsers(app).unit("339905"), name="周九").id
            statement = ("INSERT INTO credit_record (person_id, unit_id, category_id, type_slug, status, version, "
                         "activity_name, activity_number, activity_date, credit_year, activity_type, credit_level, "
                         "hosting_method, discipline, sub_discipline, remarks, fields, params, wizard_rule, credits, hours, "
                         "credit_class, deems_compliant, deems_years, score_note, review_comment, superseded) "
                         "SELECT id, unit_id, (SELECT min(id) FROM credit_category), 'x', 'draft', 1, 'x', '', "
                         f"'{THIS - 2}-06-01', {THIS - 1}, 'personal', '', '', '', '', '', '{{}}', '{{}}', '', 0, 0, "
                         "'II', false, '[]', '', '', false FROM person WHERE id = :person")
            with pytest.raises(DBAPIError, match="ck_credit_record_year|CHECK constraint failed"):
                db.session.execute(text(statement), {"person": person})
            db.session.rollback()
            if on is pg:
                with pytest.raises(DBAPIError, match="ck_credit_record_year"):
                    db.session.execute(text(f"UPDATE credit_record SET credit_year = {THIS} WHERE id = {draft}"))
                db.session.rollback()
                assert db.session.get(CreditRecord, draft).credit_year == THIS - 2


def test_the_partitions_command_makes_a_year_and_refuses_a_blocked_one(pg):
    runner = pg.test_cli_runner()
    made = runner.invoke(args=["portal", "partitions", "--from", "2001", "--through", "2002"])
    assert made.exit_code == 0, made.output
    assert "credit_record: made the partitions of 2001, 2002" in made.output, made.output
    assert "attendance: made the partitions of 2001, 2002" in made.output, made.output
    with pg.app_context():
        for table in (RECORDS, ATTENDANCE):
            assert {2001, 2002} <= set(partitions.years(db.session.connection(), table))
    # A record of a year without a partition is stored in the default partition, and found there.
    users = TestUsers(pg)
    learner = users.person(users.unit("339908"), self_entry=True, name="吴十")
    stray = _record(pg, learner.id, dt.date(1995, 4, 1))
    with pg.app_context():
        assert _partition_of(stray) == partitions.default_of(RECORDS)
        assert db.session.get(CreditRecord, stray).activity_date == dt.date(1995, 4, 1)
    refused = runner.invoke(args=["portal", "partitions", "--from", "1995", "--through", "1996"])
    assert refused.exit_code != 0 and f"id {stray}" in refused.output and "1995" in refused.output, refused.output
    assert "credit_record_default holds records of 1995" in refused.output, refused.output
    with pg.app_context():
        for table in (RECORDS, ATTENDANCE):  # nothing made, not even 1996, nor attendance's 1995
            assert not {1995, 1996} & set(partitions.years(db.session.connection(), table))


def test_start_up_makes_next_years_partitions(pg):
    with pg.app_context():
        for table in (RECORDS, ATTENDANCE):
            db.session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {table}_{THIS + 1}"))
            db.session.execute(text(f"DROP TABLE {table}_{THIS + 1}"))
        db.session.commit()
        db.session.remove()
    prepare_database(pg)
    with pg.app_context():
        for table in (RECORDS, ATTENDANCE):
            assert THIS + 1 in partitions.years(db.session.connection(), table)


def test_my_records_show_one_year_unless_every_year_is_asked_for(app, client, users):
    """我录入的学分 lists this year unless another year, or 全部年度, is chosen; 学分情况查询 without dates
    is this year's, and its form shows the dates it used. Nothing older is gone: it is one choice away."""
    learner = users.person(users.unit("339907"), self_entry=True)
    old = _record(app, learner.id, dt.date(THIS - 2, 3, 1))
    new = _record(app, learner.id, dt.date(THIS, 1, 5))
    login(client, learner.username, PASSWORD)
    default = client.get("/credits/mine").get_data(as_text=True)
    assert f'data-record="{new}"' in default and f'data-record="{old}"' not in default
    assert f'<option value="{THIS}" selected>' in default and '<option value="all" >全部年度</option>' in default
    chosen = client.get(f"/credits/mine?year={THIS - 2}").get_data(as_text=True)
    assert f'data-record="{old}"' in chosen and f'data-record="{new}"' not in chosen
    every = client.get("/credits/mine?year=all").get_data(as_text=True)
    assert f'data-record="{old}"' in every and f'data-record="{new}"' in every
    query = client.get("/credits/query/").get_data(as_text=True)
    assert f'value="{THIS}-01-01"' in query and f'value="{THIS}-12-31"' in query and "共1条记录" in query
    since = client.get(f"/credits/query/?from={THIS - 2}-01-01").get_data(as_text=True)
    assert f'value="{THIS}-12-31"' in since and "共2条记录" in since


# --- attendance ----------------------------------------------------------------------------------

def face_check(attendance_id: int, _person_id: int, _sealed_photo: bytes) -> None:
    """A face plugin's check (the contract's ``function``) that finds every face the learner's."""
    face_store().flag(attendance_id, "face_matched")


@pytest.fixture(scope="module")
def world(pg):
    """Activities on the module's database, organised with the face check on offer, and the clock
    the activity tests move."""
    with pg.app_context():
        face_store().offer_checks(f"{__name__}.face_check", bytes)
    made = ActivityWorld(pg, TestUsers(pg))
    yield made
    pg.extensions.pop("portal.clock", None)
    with pg.app_context():
        face_store().check_function = None


def _sessions(world, *starts: dt.datetime, **changes) -> dict:
    """An activity of one session (of 110 minutes, with a face check) starting at each of ``starts``."""
    body = activity_body(world.app, sessions=len(starts), **changes)
    for session, start in zip(body["sessions"], starts, strict=True):
        session.update(starts_at=start.isoformat(), ends_at=(start + dt.timedelta(minutes=110)).isoformat(), face_check=True)
    made = world.caller(world.admin).post("/api/v1/activities/", json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    return made.json


def _background_done() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith(BACKGROUND_THREAD):
            thread.join(timeout=60)


def test_every_read_of_attendance_reads_only_its_sessions_years_partitions(pg, world):
    """The check-in's look for an earlier scan and a shared phone, the organiser's scan of 我的二维码,
    the count beside the projector's code, the face check's flags, the grant, the roster, closing,
    考勤记录查询 and its API, and the purge a year after closing: each reads the attendance
    partitions of its sessions' years and no other."""
    zone = dt.timezone(dt.timedelta(hours=8))  # Hangzhou's time, as the tests' portal keeps it
    eve = dt.datetime(THIS - 1, 12, 31, 22, 0, tzinfo=zone)
    late, spanning = _sessions(world, eve), _sessions(world, eve, dt.datetime(THIS, 1, 10, 9, 0, tzinfo=zone))
    learner, other, third = world.learner(), world.learner("李医生"), world.learner("王医生")
    organiser = pg.test_client()
    login(organiser, world.admin.username, PASSWORD)
    phone = pg.test_client()
    login(phone, learner.username, PASSWORD)
    late_session = late["sessions"][0]["id"]

    def check(who, activity, session: int = 0, kind: str = "check_in"):
        return lambda: world.check(who, world.code(activity, session, kind))

    def with_photo(who, activity):
        return lambda: world.caller(who).post("/api/v1/attendance/", json={
            "url": world.code(activity), "lat": 30.2741, "lon": 120.1551, "accuracy": 20, "device": f"phone-{who.id}",
            "photo": base64.b64encode(b"a face").decode()})

    def organiser_scans(who):
        def scan():
            with pg.test_request_context():
                code = services.personal_code(db.session.get(Person, who.id))
            return world.caller(world.admin).post(f"/api/v1/activities/{late['id']}/sessions/{late_session}/scan",
                                                  json={"code": code, "kind": "check_in"})
        return scan

    steps = [  # (what, when, the request, the years its statements may read: one set of them each)
        ("a check-in at 22:00 on 31 December, whose face check flags it", eve - dt.timedelta(minutes=5),
         with_photo(learner, late), [{THIS - 1}]),
        ("the same check-in again", eve, check(learner, late), [{THIS - 1}]),
        ("a check-in without the photo the session asks for", eve, check(other, late), [{THIS - 1}]),
        ("the organiser scans 我的二维码", eve, organiser_scans(third), [{THIS - 1}]),
        ("the count beside the projector's code", eve, lambda: world.caller(world.admin).get(
            f"/api/v1/activities/{late['id']}/sessions/{late_session}/code"), [{THIS - 1}]),
        ("the check-out at 00:10 on 1 January, which grants the record", eve + dt.timedelta(hours=2, minutes=10),
         check(learner, late, kind="check_out"), [{THIS - 1}]),
        ("a check-in at the activity of two years", eve, check(learner, spanning), [{THIS - 1}]),
        ("its check-out, which looks at both years for the grant", eve + dt.timedelta(hours=2),
         check(learner, spanning, kind="check_out"), [{THIS - 1}, {THIS - 1, THIS}]),
        ("the roster of two years", eve, lambda: organiser.get(f"/activities/{spanning['id']}"), [{THIS - 1, THIS}]),
        ("考勤记录查询 of last year", eve, lambda: phone.get(f"/m/attendance/records?year={THIS - 1}"), [{THIS - 1}]),
        ("考勤记录查询 of this year, by default", dt.datetime(THIS, 2, 1, tzinfo=zone), lambda: phone.get(
            "/m/attendance/records"), [{THIS}]),
        ("the API of last year", eve, lambda: world.caller(learner).get(f"/api/v1/me/attendance?year={THIS - 1}"),
         [{THIS - 1}]),
        ("closing the activity of two years", dt.datetime(THIS, 2, 1, tzinfo=zone), lambda: world.caller(world.admin).post(
            f"/api/v1/activities/{spanning['id']}/close"), [{THIS - 1, THIS}]),
        ("closing the late activity", dt.datetime(THIS, 2, 1, tzinfo=zone), lambda: world.caller(world.admin).post(
            f"/api/v1/activities/{late['id']}/close"), [{THIS - 1}]),
    ]
    for what, when, request, years in steps:
        world.clock.at(when)
        with reads(pg, ATTENDANCE) as statements:
            answer = request()
            _background_done()  # the face check's flags
        assert answer.status_code in (200, 201), (what, answer.get_data(as_text=True))
        allowed = [_partitions_of(*y, table=ATTENDANCE) for y in years]
        for mode in PLAN_MODES:
            wrong = {statement: read for statement, parameters in statements
                     if not any((read := scanned(pg, [(statement, parameters)], mode, ATTENDANCE)) <= a for a in allowed)}
            assert not wrong, (what, mode, wrong)
            assert scanned(pg, statements, mode, ATTENDANCE), (what, mode)
    with pg.app_context():
        flags = dict(db.session.execute(select(Attendance.person_id, Attendance.flags).where(
            Attendance.session_id == late_session, Attendance.kind == "check_in")).all())
    assert flags == {learner.id: ["face_matched"], other.id: ["no_face_photo"], third.id: []}
    # A year and a day after closing, the purge reads the partitions of the closed activities' years.
    world.clock.at(dt.datetime(THIS + 1, 2, 2, tzinfo=zone))
    with reads(pg, ATTENDANCE) as statements, pg.app_context():
        assert services.purge_attendance_details().attendance == 5  # the scans made with a phone
    for mode in PLAN_MODES:
        read = scanned(pg, statements, mode, ATTENDANCE)
        assert read and read <= _partitions_of(THIS - 1, THIS, table=ATTENDANCE), (mode, read)


def test_a_session_moved_into_another_year_moves_its_attendance_to_that_years_partition(pg, world):
    """The organiser moves a session somebody attended into the year before and removes one nobody
    attended: the look for attendance at the removed session and the move read only the old year."""
    zone = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime(THIS - 2, 6, 1, 9, 0, tzinfo=zone)
    activity, learner = _sessions(world, start, start + dt.timedelta(days=1)), world.learner("郑医生")
    world.clock.at(start, -60)
    assert world.check(learner, world.code(activity)).status_code == 201
    with pg.app_context():
        row = db.session.scalar(select(Attendance.id).where(Attendance.person_id == learner.id))
        assert _partition_of(row, ATTENDANCE) == f"{ATTENDANCE}_{THIS - 2}"
    moved = dict(activity["sessions"][0], starts_at=start.replace(year=THIS - 3).isoformat(),
                 ends_at=(start.replace(year=THIS - 3) + dt.timedelta(hours=2)).isoformat())
    with reads(pg, ATTENDANCE) as statements, pg.test_request_context():
        admin = actor_for(db.session.get(Person, world.admin.id).user)
        services.save(admin, {"name": activity["name"], "category_id": activity["category_id"], "credit_level": "provincial",
                              "credits": "4", "hours": "8", "sessions": [moved]}, services.get(admin, activity["id"]))
    assert len(statements) == 2  # the removed session's, and the move
    for mode in PLAN_MODES:
        for statement in statements:
            assert scanned(pg, [statement], mode, ATTENDANCE) == _partitions_of(THIS - 2, table=ATTENDANCE), (mode, statement)
    with pg.app_context():
        assert _partition_of(row, ATTENDANCE) == f"{ATTENDANCE}_{THIS - 3}"
        assert db.session.get(Attendance, (row, THIS - 3)).session_id == activity["sessions"][0]["id"]


def test_migration_0031_fills_the_year_from_the_session_and_partitions_what_a_database_has(tmp_root):
    """On a database with attendance (PostgreSQL, and SQLite), 0031's downgrade and upgrade again:
    each row's year is its session's, in its year's partition on PostgreSQL; the ids are kept."""
    zone = dt.timezone(dt.timedelta(hours=8))
    eve = dt.datetime(THIS - 1, 12, 31, 22, 0, tzinfo=zone)
    with scratch_database(SERVER, "cme_attendance_migration") as url:
        for on in (url, f"sqlite:///{tmp_root / f'attendance-migration-{secrets.token_hex(4)}.db'}"):
            app = make_test_app(on, tmp_root / f"migration-instance-{secrets.token_hex(4)}")
            prepare_database(app)
            world = ActivityWorld(app, TestUsers(app))
            activity, learner = _sessions(world, eve, eve + dt.timedelta(hours=9, minutes=30)), world.learner()
            world.clock.at(eve, -60)
            assert world.check(learner, world.code(activity, 0)).status_code == 201
            world.clock.at(eve + dt.timedelta(hours=2, minutes=10))
            assert world.check(learner, world.code(activity, 0, "check_out")).status_code == 201
            world.clock.at(eve + dt.timedelta(hours=9, minutes=25))  # 23:25 on 31 December in UTC
            assert world.check(learner, world.code(activity, 1)).status_code == 201
            directory = app.extensions["migrate"].directory
            with app.app_context():
                expected = {(session_id, kind): (row_id, year) for row_id, session_id, kind, year in db.session.execute(
                    select(Attendance.id, Attendance.session_id, Attendance.kind, Attendance.year))}
                db.session.remove()
                downgrade(directory=directory, revision="0030")
                assert "year" not in {c["name"] for c in sqlalchemy_inspect(db.engine).get_columns(ATTENDANCE)}
                db.session.remove()
                upgrade(directory=directory)
                found = {(session_id, kind): (row_id, year) for row_id, session_id, kind, year in db.session.execute(
                    text("SELECT id, session_id, kind, year FROM attendance"))}
                first, second = (s["id"] for s in activity["sessions"])
                assert found == expected and {(s, y) for (s, _), (_, y) in found.items()} == {(first, THIS - 1),
                                                                                              (second, THIS)}
                if on == url:
                    assert {_partition_of(row_id, ATTENDANCE) for row_id, _ in found.values()} == _partitions_of(
                        THIS - 1, THIS, table=ATTENDANCE)
                    next_id = db.session.scalar(text("SELECT nextval('attendance_id_seq')"))
                    assert next_id > max(row_id for row_id, _ in found.values())
                db.session.remove()
                db.engine.dispose()
