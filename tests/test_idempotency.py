"""Idempotency (issue 17, item 10): an entry form posted three times makes one record and the
repeats land on it; the API's create with an Idempotency-Key makes one record however often,
and however many at once, it is sent (SQLite and PostgreSQL); parallel uploads never take a
record past its 5 evidence files (PostgreSQL, threads)."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from functools import partial

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import CreditRecord, EvidenceFile, IdempotencyKey
from portal.setup import prepare_database
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, TestUsers, login, make_test_app, scratch_database
from tests.test_credit_api import Caller, World, category_id, create, free_form, png, race
from tests.test_credit_pages import post_free_form

POSTGRES = os.environ.get("PORTAL_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def world(app, users):
    return World(app, users)


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    with scratch_database(POSTGRES, "cme_idempotency") as url:
        other = make_test_app(url, tmp_path_factory.mktemp("instance"))
        prepare_database(other)
        yield other
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CreditRecord.id)))


def test_an_entry_form_posted_three_times_makes_one_record_and_the_repeats_land_on_it(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    login(client, learner.username, PASSWORD)
    page = client.get("/credits/new/free").get_data(as_text=True)
    token = csrf_from(page)
    form_token = page.split('name="form_token" value="')[1].split('"')[0]
    answers = [post_free_form(client, token, unit, form_token=form_token) for _ in range(3)]
    assert records(app) == 1
    with app.app_context():
        record_id = db.session.scalar(select(CreditRecord.id))
        assert db.session.scalar(select(func.count(EvidenceFile.id))) == 1  # the repeats' files are not kept
    assert answers[0].status_code == 302 and answers[0].location.endswith("/credits/mine?year=2025")  # the saved record's year
    assert [a.location for a in answers[1:]] == [f"/credits/{record_id}"] * 2
    assert "此表单已保存过" in client.get(answers[1].location).get_data(as_text=True)
    # A new form is a new token: a second record is possible on purpose.
    fresh = client.get("/credits/new/free").get_data(as_text=True).split('name="form_token" value="')[1].split('"')[0]
    assert fresh != form_token
    post_free_form(client, token, unit, form_token=fresh, activity_name="另一次学习", activity_number="2025-01-002")
    assert records(app) == 2


def test_a_form_sent_back_with_errors_keeps_its_token_for_the_corrected_one(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    login(client, learner.username, PASSWORD)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    wrong = post_free_form(client, token, unit, form_token="tok-1", activity_date="", evidence=None)
    assert wrong.status_code == 200 and 'name="form_token" value="tok-1"' in wrong.get_data(as_text=True)
    assert post_free_form(client, token, unit, form_token="tok-1").status_code == 302
    assert records(app) == 1


def test_an_api_create_repeated_with_its_key_is_one_record_and_the_same_answer(app, world):
    learner, unit = world["learner"], world["unit"]
    body = {"category_id": category_id(app, "非向导录入"), "fields": free_form(unit)}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answers = [learner.client.post("/api/v1/credits/", json=body, headers={**learner.headers, **key}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json["id"] for a in answers}) == 1 and records(app) == 1
    assert "Idempotent-Replayed" not in answers[0].headers and answers[2].headers["Idempotent-Replayed"] == "true"
    other = learner.client.post("/api/v1/credits/", json={**body, "fields": free_form(unit, activity_name="别的")},
                                headers={**learner.headers, **key})
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused" and records(app) == 1
    # Keys are each account's own: another learner's identical key is another request.
    assert world["stranger"].client.post("/api/v1/credits/", json=body,
                                         headers={**world["stranger"].headers, **key}).status_code == 201
    assert create(app, learner, unit)["id"] not in {a.json["id"] for a in answers}  # no key: a new record each time


def test_answers_are_kept_a_day_then_forgotten(app, world):
    """A key's answer is kept IDEMPOTENCY_KEEP_HOURS; after that the row is gone (the next claim
    by anyone sweeps it) and the key is free again: sent with another record, it is no longer
    refused as reused."""
    learner, unit = world["learner"], world["unit"]
    body = {"category_id": category_id(app, "非向导录入"), "fields": free_form(unit)}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = learner.client.post("/api/v1/credits/", json=body, headers={**learner.headers, **key})
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(
            created_at=IdempotencyKey.created_at - dt.timedelta(hours=app.config["IDEMPOTENCY_KEEP_HOURS"], minutes=1)))
        db.session.commit()
    world["stranger"].client.post("/api/v1/credits/", json=body,
                                  headers={**world["stranger"].headers, "Idempotency-Key": str(uuid.uuid4())})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1  # the stranger's own
    another = {**body, "fields": free_form(unit, activity_name="另一次学习"), "confirm_duplicate": True}
    again = learner.client.post("/api/v1/credits/", json=another, headers={**learner.headers, **key})
    assert again.status_code == 201 and again.json["id"] != first.json["id"]


def _parallel_creates(target_app, caller: Caller, unit_id: int, category: int) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"category_id": category, "fields": free_form(unit_id)}
    callers = [caller.fresh() for _ in range(4)]
    answers = race(*(partial(c.client.post, "/api/v1/credits/", json=body, headers={**c.headers, **key})
                     for c in callers))
    assert [a.status_code for a in answers] == [201] * 4, [a.get_data(as_text=True) for a in answers]
    assert len({a.json["id"] for a in answers}) == 1
    assert records(target_app) == 1


def test_parallel_creates_with_one_key_make_one_record(app, world):
    _parallel_creates(app, world["learner"], world["unit"], category_id(app, "非向导录入"))


def test_parallel_creates_with_one_key_make_one_record_on_postgresql(pg_app):
    users = TestUsers(pg_app)
    unit = users.unit("330101")
    learner = Caller(pg_app, users.person(unit, self_entry=True))
    _parallel_creates(pg_app, learner, unit, category_id(pg_app, "非向导录入"))


def test_parallel_uploads_never_exceed_five_files_on_postgresql(pg_app):
    users = TestUsers(pg_app)
    unit = users.unit("330102")
    learner = Caller(pg_app, users.person(unit, self_entry=True, name="并发"))
    record = create(pg_app, learner, unit)
    for n in range(3):
        assert learner.upload(record["id"], png(), f"{n}.png").status_code == 201
    uploaders = [learner.fresh() for _ in range(4)]
    answers = race(*(partial(u.upload, record["id"], png("blue"), f"并发{n}.png") for n, u in enumerate(uploaders)))
    assert sorted(a.status_code for a in answers) == [201, 201, 400, 400], [a.get_data(as_text=True) for a in answers]
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.record_id == record["id"])) == 5
