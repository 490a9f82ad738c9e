"""Test fixtures: one app per session on SQLite (default) or on a database the tests create on
the server named by PORTAL_TEST_DATABASE_URL (and drop at the end); every test starts from
empty tables with the roles in place."""
from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete

from portal.background import THREAD_NAME as BACKGROUND_THREAD
from portal.compliance.tallies import RUN as TALLIES_JOB
from portal.setup import prepare_database
from tests.helpers import TestUsers, make_test_app, scratch_database


def _database(tmp: Path):
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp / 'test.db'}"
        return
    with scratch_database(server, "cme_test") as url:
        yield url


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="cme-tests-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def database_url(tmp_root):
    yield from _database(tmp_root)


@pytest.fixture(scope="session")
def app(database_url, tmp_root):
    app = make_test_app(database_url, tmp_root / "instance")
    prepare_database(app)
    yield app
    with app.app_context():
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def faces_app(app, database_url, tmp_root):
    """A second app on the same database with the face plugin on (PORTAL_FACES=1); through ``app``,
    each test that asks for it starts from empty tables."""
    faces = make_test_app(database_url, tmp_root / "faces-instance", FACES=True)
    yield faces
    with faces.app_context():
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()


DATA_TABLES = ("person_year_verdict", "tally_run", "unit_year_tally", "judged_year", "audit_entry", "notice", "transfer",
               "evidence_file", "credit_year_bucket", "credit_year", "verifiable_credential", "certificate", "credit_form",
               "credit_record", "exam_attempt_slot", "exam_attempt", "exam_question_version", "exam_question",
               "exam", "evaluation_answer", "activity_evaluated", "activity_evaluation", "evaluation_form",
               "attendance", "attendance_refusal", "activity_allowed", "activity_session", "activity",
               "personal_code_key", "face_enrollment", "person_history", "sms_code", "person", "account_state",
               "account_session", "captcha_challenge", "login_throttle", "export_job", "idempotency_key",
               "ab_user_role", "ab_user", "unit")


@pytest.fixture(autouse=True)
def _empty_tables(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    yield
    # Work a test's request started in the background (a page starting the tallies job for a year
    # never computed) finishes before the tables it writes to are emptied.
    for thread in threading.enumerate():
        if thread.name == BACKGROUND_THREAD + TALLIES_JOB:
            thread.join(timeout=120)
    from flask_appbuilder import Model

    from portal.extensions import db
    from portal.models import append_only

    with app.app_context():
        db.session.rollback()
        with append_only.suspended(db.session.connection()):
            for table in DATA_TABLES:
                db.session.execute(delete(Model.metadata.tables[table]))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def users(app):
    return TestUsers(app)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def restore_rule_sets(app):
    """For a test that changes the rule sets (they are configuration, kept between tests)."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import RuleSet, RuleSetVersion

    tables = (RuleSet.__table__, RuleSetVersion.__table__)  # parents first
    with app.app_context():
        saved = [[dict(row._mapping) for row in db.session.execute(select(table))] for table in tables]
    yield
    with app.app_context():
        db.session.rollback()
        for table in reversed(tables):
            db.session.execute(delete(table))
        for table, rows in zip(tables, saved, strict=True):
            db.session.execute(insert(table), rows)
        db.session.commit()
