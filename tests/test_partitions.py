"""Credit records partitioned by credit year (docs/partitions.md), on a PostgreSQL database of this
module's own (the local server, whichever database the rest of the suite runs on): every page and
query with a period reads only the partitions of its years, under both plan cache modes; an edit
of a draft's date moves it and its evidence to the other year; the database refuses a wrong year
from any SQL; ``portal partitions`` makes a year and refuses one whose records sit in the default
partition."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets

import psycopg
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal import partitions
from portal.accounts.actor import actor_for
from portal.compliance import summaries
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person
from portal.review import services as review
from portal.setup import prepare_database
from tests.helpers import PASSWORD, TestUsers, login, make_test_app, scratch_database

SERVER = os.environ.get("PORTAL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
THIS = dt.date.today().year
PLAN_MODES = ("force_custom_plan", "force_generic_plan")
CATEGORY = "非向导录入"
RECORDS = partitions.CREDIT_RECORD.name


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
    """The SELECT statements on ``table`` that run in the block, with their parameters."""
    found = []
    named = re.compile(rf"\b{table}\b")

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if named.search(statement) and statement.lstrip().upper().startswith(("SELECT", "WITH")):
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
    with pg.app_context():
        assert {2001, 2002} <= set(partitions.years(db.session.connection(), RECORDS))
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
        assert not {1995, 1996} & set(partitions.years(db.session.connection(), RECORDS))  # nothing made, not even 1996


def test_start_up_makes_next_years_partition(pg):
    with pg.app_context():
        db.session.execute(text(f"ALTER TABLE {RECORDS} DETACH PARTITION {RECORDS}_{THIS + 1}"))
        db.session.execute(text(f"DROP TABLE {RECORDS}_{THIS + 1}"))
        db.session.commit()
        db.session.remove()
    prepare_database(pg)
    with pg.app_context():
        assert THIS + 1 in partitions.years(db.session.connection(), RECORDS)


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

