"""Personal data out of the logs (issue 17, item 9, logs only): under the production command
(gunicorn with the project's config), a search by ID number and an SMS code request leave
neither the ID number, the phone nor the code in the access log or the app log; the code is in
the 0600 outbox only; what the server writes in the instance folder is its user's alone."""
from __future__ import annotations

import http.cookiejar
import json
import re
import stat
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db, release_connections
from portal.models import CreditCategory
from portal.operations.access_log import redact_query
from portal.setup import prepare_database
from tests.helpers import PASSWORD, TestUsers, id_number, make_test_app, scratch_database
from tests.test_serving import POSTGRES, Portal

VISITOR_ID = id_number(region="310101", birth="19850612", seq=3)
VISITOR_PHONE = "13900004321"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    instance = tmp_path_factory.mktemp("private") / "instance"
    with scratch_database(POSTGRES, "cme_private_logs") as url:
        app = make_test_app(url, instance)
        prepare_database(app)
        users = TestUsers(app)
        ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33")])
        admin = users.person(ids["3301"], role="unit_admin", name="王管理")
        learner = users.person(ids["3301"], self_entry=True, name="张学员")
        users.person(ids["3301"], name="沪上来客", id_number=VISITOR_ID, mobile=VISITOR_PHONE, out_of_province=True)
        with app.app_context():
            category = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
        release_connections(app)
        portal = Portal(url, instance)
        try:
            yield portal, admin, learner, category, ids["3301"]
        finally:
            portal.stop()
            release_connections(app)


def _token(portal: Portal, username: str) -> str:
    status, body = portal.send("POST", "/api/v1/security/login", body=json.dumps(
        {"username": username, "password": PASSWORD, "provider": "db"}).encode(), content_type="application/json")
    assert status == 200
    return body["access_token"]


def _request_sms_code(portal: Portal) -> None:
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(portal.base + "/login/sms/").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "id_number": VISITOR_ID, "phone": VISITOR_PHONE,
                                   "action": "send"}).encode()
    assert browser.open(portal.base + "/login/sms/", data=form).status == 200


def test_a_search_by_id_number_and_an_sms_code_leave_no_personal_data_in_the_logs(served):
    portal, admin, learner, category, unit = served
    token = _token(portal, admin.username)
    status, found = portal.send("GET", "/api/v1/people/?" + urllib.parse.urlencode({"q": VISITOR_ID, "page": 1}), token)
    assert status == 200 and found["count"] == 1
    _request_sms_code(portal)

    outbox = portal.instance / "sms_outbox.log"
    sent = json.loads(outbox.read_text().splitlines()[-1])
    code = re.search(r"(?<!\d)\d{6}(?!\d)", sent["text"]).group(0)
    assert sent["phone"] == VISITOR_PHONE
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600

    deadline = time.monotonic() + 10
    while "POST /login/sms/" not in (logs := (portal.instance / "gunicorn.log").read_text(errors="replace")):
        assert time.monotonic() < deadline, logs[-3000:]  # a worker writes its access line after answering
        time.sleep(0.1)
    assert '"GET /api/v1/people/?q=-&page=1 HTTP/1.1" 200' in logs  # the access log is there, redacted
    for secret in (VISITOR_ID, VISITOR_ID[6:14], VISITOR_PHONE, code):
        assert secret not in logs, secret


def test_what_the_server_writes_in_the_instance_folder_is_its_users_alone(served):
    portal, admin, learner, category, unit = served
    assert portal.learner(learner.username, category, unit).statuses[-2] == ("evidence", 201)
    evidence = Path(portal.instance) / "evidence"
    files = [p for p in evidence.rglob("*") if p.is_file()]
    folders = [evidence, *(p for p in evidence.rglob("*") if p.is_dir())]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), files
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders)
    assert stat.S_IMODE(Path(portal.instance).stat().st_mode) == 0o700


def test_the_access_log_keeps_only_harmless_values():
    assert redact_query("q=330102198001010012&page=2&year=2025") == "q=-&page=2&year=2025"
    assert redact_query("id_number=330102198001010012&phone=13800000000&next=%2Fpeople%2F%3Fq%3D1") == (
        "id_number=-&phone=-&next=-")
    assert redact_query("") == ""
