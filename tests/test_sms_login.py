"""外省人员: the SMS-code login (code rules one by one on a clock the tests move, identical answers
for known and unknown ID numbers, per-IP limit, concurrency), the sender chosen by configuration,
the refused password login, and the one page they may open: their approved records and
certificates."""
from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.accounts.roles import OUT_OF_PROVINCE
from portal.contracts import SMS_SENDER as SENDER
from portal.contracts import SmsNotice
from portal.credits import services as credits
from portal.extensions import db
from portal.models import AuditEntry, CreditRecord, EvidenceFile, Person, SmsCode
from portal.models.sealed import id_hash
from portal.people import sms_codes
from portal.review import services as review
from portal_plugins.auth.sms import codes
from tests import helpers
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, id_number, login, without_nonces
from tests.test_plugins import dispose, fake_distribution, on_sys_path

FREE = "非向导录入"
VISITOR_ID = id_number(region="310101", birth="19850612", seq=2)  # 上海: from another province
VISITOR_PHONE = "13900001234"
STAFF_PHONE = "13900005678"
STRANGER_ID = id_number(region="320102", birth="19900101", seq=7)
STRANGER_PHONE = "13700009999"


@pytest.fixture
def world(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33")])
    visitor = users.person(ids["3301"], name="沪上来客", id_number=VISITOR_ID, mobile=VISITOR_PHONE, out_of_province=True)
    staff = users.person(ids["3301"], name="本省学员", mobile=STAFF_PHONE)
    return {"visitor": visitor, "staff": staff, "unit": ids["3301"]}


class Clock:
    def __init__(self):
        self.at = dt.datetime(2026, 1, 5, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sms_codes, "now", clock)
    return clock


def outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def last_code(app, phone: str) -> str:
    text = [m for m in outbox(app) if m["phone"] == phone][-1]["text"]
    return re.search(r"\d{6}", text).group(0)


def request(app, number: str = VISITOR_ID, phone: str = VISITOR_PHONE) -> SmsNotice:
    with app.test_request_context():
        return codes.request_code(number, phone)


def check(app, code: str, number: str = VISITOR_ID, phone: str = VISITOR_PHONE) -> int | None:
    """The id of the person signed in, or None."""
    with app.test_request_context():
        person = codes.check_code(number, phone, code)
        return person.id if person else None


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** 6:06d}"


# --- the rules of a code ---------------------------------------------------------------------

def test_a_code_goes_only_to_a_registered_out_of_province_learner(app, world, clock):
    before = len(outbox(app))
    result = request(app)
    assert result.sent and result.wait == 60
    sent = outbox(app)[before:]
    assert [m["phone"] for m in sent] == [VISITOR_PHONE] and re.search(r"(?<!\d)\d{6}(?!\d)", sent[0]["text"])
    code = last_code(app, VISITOR_PHONE)
    # A staff learner's ID number and phone, and an unknown ID number, get the same answer, no SMS.
    staff_id = world["staff"].id_number
    for number, phone in ((staff_id, STAFF_PHONE), (STRANGER_ID, STRANGER_PHONE), (VISITOR_ID.lower(), STAFF_PHONE)):
        clock.move(seconds=61)
        assert request(app, number, phone) == result
    assert len(outbox(app)) == before + 1
    with app.app_context():
        rows = db.session.execute(select(SmsCode.id_hash, SmsCode.phone, SmsCode.person_id, SmsCode.code_hash)
                                  .order_by(SmsCode.id)).all()
        hashed = {n: id_hash(n) for n in (VISITOR_ID, staff_id, STRANGER_ID)}
    # Each row keeps the keyed hash of the ID number asked with, never the number.
    assert [(r.id_hash, r.phone, r.person_id) for r in rows] == [
        (hashed[VISITOR_ID], VISITOR_PHONE, world["visitor"].id), (hashed[staff_id], STAFF_PHONE, None),
        (hashed[STRANGER_ID], STRANGER_PHONE, None), (hashed[VISITOR_ID], STAFF_PHONE, None)]
    assert all(code not in r.code_hash and len(r.code_hash) == 64 for r in rows)


def test_the_code_signs_in_once_within_five_minutes(app, world, clock):
    request(app)
    code = last_code(app, VISITOR_PHONE)
    clock.move(minutes=4, seconds=59)
    assert check(app, code) == world["visitor"].id
    assert check(app, code) is None  # single use

    clock.move(seconds=61)
    request(app)
    late = last_code(app, VISITOR_PHONE)
    clock.move(minutes=5)
    assert check(app, late) is None  # expired at 5 minutes


def test_five_tries_a_code(app, world, clock):
    request(app)
    code = last_code(app, VISITOR_PHONE)
    for _ in range(4):
        assert check(app, wrong(code)) is None
    assert check(app, code) == world["visitor"].id  # the fifth try may still be right

    clock.move(seconds=61)
    request(app)
    code = last_code(app, VISITOR_PHONE)
    for _ in range(5):
        assert check(app, wrong(code)) is None
    assert check(app, code) is None  # dead after five wrong tries
    with app.app_context():
        assert db.session.scalar(select(SmsCode.attempts).order_by(SmsCode.id.desc()).limit(1)) == 5


def test_a_wrong_code_is_in_the_audit_trail_against_the_account_it_was_for(app, world, clock):
    """An attacker guessing a learner's code leaves a trace the admins can search: a failed
    sign-in on that account, with neither the code nor the phone in it."""
    request(app)
    code = last_code(app, VISITOR_PHONE)
    assert check(app, wrong(code)) is None
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in_failed"))
        person = db.session.get(Person, world["visitor"].id)
        assert entry.target_user_id == person.user_id and entry.after == {"reason": "sms_code"}
        assert code not in json.dumps(entry.after) and VISITOR_PHONE not in json.dumps(entry.after)


def test_another_code_after_sixty_seconds_and_only_the_latest_works(app, world, clock):
    request(app)
    first = last_code(app, VISITOR_PHONE)
    clock.move(seconds=20)
    again = request(app)
    assert not again.sent and again.wait == 40 and "40" in again.message
    clock.move(seconds=40)
    assert request(app).sent
    second = last_code(app, VISITOR_PHONE)
    if first != second:
        assert check(app, first) is None
    assert check(app, second) == world["visitor"].id


def test_requests_with_made_up_phones_cannot_block_a_learners_codes(app, world, clock, monkeypatch):
    """The attacker knows the visitor's ID number, not their phone: asking with it and random
    phones, all day long, neither delays nor uses up the codes that go to the visitor's phone."""
    monkeypatch.setitem(app.config, "SMS_DAILY_LIMIT_PER_ID", 3)
    before = len(outbox(app))
    for n in range(12):
        request(app, VISITOR_ID, f"136000000{n:02d}")
    assert outbox(app)[before:] == []  # nothing went to the made-up phones
    answer = request(app)  # the visitor, right after the attacker's last request
    assert answer.sent and check(app, last_code(app, VISITOR_PHONE)) == world["visitor"].id


def test_daily_limits_count_codes_sent_and_requests_per_pair_alike(app, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_DAILY_LIMIT_PER_ID", 3)
    # The visitor's own pair: three codes, then refused; an unknown pair answers exactly the same.
    before, answers = len(outbox(app)), {}
    for number, phone in ((VISITOR_ID, VISITOR_PHONE), (STRANGER_ID, STRANGER_PHONE)):
        for _ in range(3):
            assert request(app, number, phone).sent
            clock.move(seconds=61)
        answers[number] = request(app, number, phone)
    assert not answers[VISITOR_ID].sent and answers[VISITOR_ID] == answers[STRANGER_ID]
    assert [m["phone"] for m in outbox(app)[before:]] == [VISITOR_PHONE] * 3
    # The limits count the last 24 hours.
    clock.move(hours=24)
    assert request(app).sent


def test_daily_limit_per_address(app, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_DAILY_LIMIT_PER_IP", 5)
    for n in range(5):
        assert request(app, STRANGER_ID, f"137000000{n:02d}").sent
    refused = request(app, STRANGER_ID, "13700000099")
    assert not refused.sent and "5" in refused.message
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        assert codes.request_code(VISITOR_ID, VISITOR_PHONE).sent  # another network is not held up


def test_malformed_id_numbers_and_phones_are_explained(app, world, clock):
    for number, phone, field in (("31010119850612002", VISITOR_PHONE, "id_number"),
                                 (VISITOR_ID[:-1] + ("0" if VISITOR_ID[-1] != "0" else "1"), VISITOR_PHONE, "id_number"),
                                 (VISITOR_ID, "23900001234", "phone"), (VISITOR_ID, "1390000123", "phone")):
        with app.test_request_context(), pytest.raises(codes.InvalidInput) as error:
            codes.request_code(number, phone)
        assert error.value.field == field and str(error.value)
    with app.app_context():
        assert db.session.scalar(select(SmsCode.id)) is None


def test_two_checks_of_one_code_at_once_sign_in_once(app, world, clock):
    """On PostgreSQL (PORTAL_TEST_DATABASE_URL) and SQLite alike: of eight checks of the same right
    code at the same moment, exactly one signs in."""
    request(app)
    code = last_code(app, VISITOR_PHONE)
    barrier, answers = threading.Barrier(8), []

    def run():
        with app.test_request_context():
            barrier.wait()
            person = codes.check_code(VISITOR_ID, VISITOR_PHONE, code)
            answers.append(person.id if person else None)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers, key=str) == [world["visitor"].id] + [None] * 7


# --- the page --------------------------------------------------------------------------------

def _post(client, action: str, number: str = VISITOR_ID, phone: str = VISITOR_PHONE, code: str = ""):
    token = csrf_from(client.get("/login/sms/").get_data(as_text=True))
    return client.post("/login/sms/", data={"csrf_token": token, "id_number": number, "phone": phone,
                                            "code": code, "action": action})


def _without_token(response) -> str:
    """The page without its CSRF token and its CSP nonces (each response has its own)."""
    return without_nonces(re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", response.get_data(as_text=True)))


def _as_visitor(response) -> str:
    """The page with the stranger's ID number and phone (echoed in the form) swapped for the visitor's."""
    return _without_token(response).replace(STRANGER_ID, VISITOR_ID).replace(STRANGER_PHONE, VISITOR_PHONE)


def test_the_page_answers_the_same_for_known_and_unknown_id_numbers(app, world, clock):
    known, unknown = app.test_client(), app.test_client()
    sent_known = _post(known, "send")
    clock.move(seconds=61)
    sent_unknown = _post(unknown, "send", STRANGER_ID, STRANGER_PHONE)
    assert sent_known.status_code == sent_unknown.status_code == 200
    assert _without_token(sent_known) == _as_visitor(sent_unknown)
    assert 'data-wait="60"' in _without_token(sent_known) and 'id="sms-notice"' in _without_token(sent_known)
    code = last_code(app, VISITOR_PHONE)
    bad_known = _post(known, "login", code=wrong(code))
    bad_unknown = _post(unknown, "login", STRANGER_ID, STRANGER_PHONE, code=code)
    assert bad_known.status_code == bad_unknown.status_code == 200
    assert _without_token(bad_known) == _as_visitor(bad_unknown)
    with app.test_request_context():
        assert str(codes.REFUSED) in _without_token(bad_known)
    assert known.get("/out-of-province/").status_code == 302  # still signed out


def test_a_staff_learner_cannot_sign_in_by_sms(app, world, clock):
    client = app.test_client()
    before = len(outbox(app))
    _post(client, "send", world["staff"].id_number, STAFF_PHONE)
    assert len(outbox(app)) == before
    with app.app_context():
        assert db.session.scalar(select(SmsCode.person_id)) is None
    answer = _post(client, "login", world["staff"].id_number, STAFF_PHONE, code="123456")
    assert answer.status_code == 200 and client.get("/credits/query/").status_code == 302


def test_an_out_of_province_learner_cannot_use_the_password_login(app, world):
    client = app.test_client()
    refused = login(client, world["visitor"].username, PASSWORD)  # even with a password set for the account
    unknown = login(app.test_client(), "nobody-at-all", PASSWORD)
    assert refused.status_code == unknown.status_code == 200
    assert _without_token(refused).replace(world["visitor"].username, "nobody-at-all") == _without_token(unknown)
    assert client.get("/out-of-province/").status_code == 302
    api = [app.test_client().post("/api/v1/security/login", json={"username": name, "password": PASSWORD, "provider": "db"})
           for name in (world["visitor"].username, "nobody-at-all")]
    assert api[0].status_code == api[1].status_code == 401 and api[0].json == api[1].json


def _sign_in(app, client) -> None:
    _post(client, "send")
    signed_in = _post(client, "login", code=last_code(app, VISITOR_PHONE))
    assert signed_in.status_code == 302 and signed_in.location.endswith("/out-of-province/")


def test_sms_login_leads_to_their_approved_records_and_certificates_only(app, world, clock):
    visitor, staff = world["visitor"], world["staff"]
    mine = approved_record(app, visitor.id, FREE, dt.date(2025, 3, 1), {"credits": "4", "hours": "12"}, name="全省急救培训班")
    theirs = approved_record(app, staff.id, FREE, dt.date(2025, 3, 1), {"credits": "2", "hours": "6"}, name="别人的学习班")
    client = app.test_client()
    _sign_in(app, client)
    assert client.get("/").location.endswith("/out-of-province/")
    page = client.get("/out-of-province/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "全省急救培训班" in html and "别人的学习班" not in html
    assert f'name="record_id" value="{mine}"' in html and "/certificates/issue" in html
    assert "/credits/" + str(mine) not in html  # no link to a record page they may not open
    # Only their page and 退出 in the navigation.
    assert 'href="/out-of-province/"' in html and "/logout/" in html
    for other in ("/credits/mine", "/credits/query/", "/people/", "/profile/", "/account/password/", "/compliance/"):
        assert other not in html.split("</header>")[0], other
    for forbidden in ("/credits/mine", "/credits/query/", "/people/", "/profile/", "/account/password/"):
        assert client.get(forbidden).status_code in (302, 403), forbidden
    token = csrf_from(html)
    others = client.post("/certificates/issue", data={"csrf_token": token, "record_id": theirs, "download": "pdf"})
    assert others.status_code == 404
    nothing = client.post("/certificates/issue", data={"csrf_token": token, "next": "/out-of-province/?", "download": "pdf"})
    assert nothing.status_code == 302 and nothing.location.startswith("/out-of-province/")
    issued = client.post("/certificates/issue", data={"csrf_token": token, "record_id": mine, "download": "pdf"})
    assert issued.status_code == 302
    pdf = client.get(issued.location)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_only_counted_records_are_listed(app, world, clock):
    """A draft correction leaves the original listed; once approved, the correction replaces it."""
    visitor = world["visitor"]
    old = approved_record(app, visitor.id, FREE, dt.date(2025, 3, 1), {"credits": "4", "hours": "12"}, name="原记录")
    with app.test_request_context():
        person = db.session.get(Person, visitor.id)
        correction = credits.correct(actor_for(person.user), db.session.get(CreditRecord, old))
        correction.activity_name = "更正后的记录"
        db.session.commit()
        correction_id = correction.id
    client = app.test_client()
    _sign_in(app, client)
    html = client.get("/out-of-province/").get_data(as_text=True)
    assert "原记录" in html and "更正后的记录" not in html  # a draft correction: the original still counts
    with app.test_request_context():
        learner = actor_for(db.session.get(Person, visitor.id).user)
        correction = db.session.get(CreditRecord, correction_id)
        db.session.add(EvidenceFile(record_id=correction_id, record_year=correction.credit_year,
                                    person_id=visitor.id, stored_name="c" * 32,
                                    original_name="a.jpg", media_type="image/jpeg", size=1, sha256="0" * 64))
        db.session.commit()
        credits.submit(learner, [correction])
        review.decide(actor_for(app.appbuilder.sm.find_user("padmin")), [correction], "approve")
    html = client.get("/out-of-province/").get_data(as_text=True)
    assert "原记录" not in html and "更正后的记录" in html


def test_posts_are_limited_per_address(app, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "2 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.6"
    token = csrf_from(client.get("/login/sms/").get_data(as_text=True))
    data = {"csrf_token": token, "id_number": STRANGER_ID, "phone": STRANGER_PHONE, "code": "123456", "action": "login"}
    assert [client.post("/login/sms/", data=data).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/login/sms/").status_code == 200


def test_the_login_page_has_the_sms_tab(app, world):
    page = app.test_client().get("/login/").get_data(as_text=True)
    assert 'href="/login/sms/"' in page
    sms = app.test_client().get("/login/sms/").get_data(as_text=True)
    assert 'href="/login/"' in sms and 'name="id_number"' in sms and 'name="phone"' in sms and 'id="send-code"' in sms


# --- the sender --------------------------------------------------------------------------------

MEMORY_SENDER = """
    from portal.hookspecs import hookimpl
    from portal.contracts import SmsSender

    SENT = []


    class MemorySender(SmsSender):
        slug = "memory"
        label = "Memory"

        def send(self, phone, text):
            SENT.append((self.app.name, phone, text))


    @hookimpl
    def register_sms_senders():
        return [MemorySender]
"""


def test_the_sender_is_chosen_by_configuration(app, database_url, tmp_path):
    """register_sms_senders: the senders plugins register are kept by slug; PORTAL_SMS_SENDER
    picks one (default ``log``, the built-in plugins/auth/sms_log.py), and a slug nobody registers
    stops start-up."""
    assert app.extensions["portal"].sms_senders["log"].__module__ == "portal_plugins.auth.sms_log"
    assert type(app.extensions[SENDER]).slug == "log"
    with pytest.raises(RuntimeError, match=r"PORTAL_SMS_SENDER is 'carrier-pigeon'.*registered: log"):
        helpers.make_test_app(database_url, tmp_path / "instance", SMS_SENDER="carrier-pigeon")
    site = fake_distribution(tmp_path / "site", {"memory_sms": MEMORY_SENDER})
    with on_sys_path(site):
        chosen = helpers.make_test_app(database_url, tmp_path / "instance", SMS_SENDER="memory")
        module = importlib.import_module("cme_fake_memory_sms")
    try:
        users = helpers.TestUsers(chosen)
        unit = users.unit("330109")
        users.person(unit, name="外省来客", id_number=VISITOR_ID, mobile=VISITOR_PHONE, out_of_province=True)
        with chosen.test_request_context():
            assert codes.request_code(VISITOR_ID, VISITOR_PHONE).sent
        ((app_name, phone, text),) = module.SENT
        assert phone == VISITOR_PHONE and re.search(r"\d{6}", text)
        assert not (Path(chosen.instance_path) / "sms_outbox.log").exists()
    finally:
        dispose(chosen)


def test_a_sender_that_fails_gives_the_usual_answer(app, world, clock, monkeypatch):
    usual = request(app, STRANGER_ID, STRANGER_PHONE)

    def broken(phone, text):
        raise ConnectionError("the SMS gateway is down")

    monkeypatch.setattr(app.extensions[SENDER], "send", broken)
    assert request(app) == usual


# --- registering them --------------------------------------------------------------------------

def test_the_provincial_admin_registers_an_out_of_province_learner(app, world, client):
    login(client, "padmin", PASSWORD)
    form = client.get("/people/new").get_data(as_text=True)
    assert 'name="out_of_province"' in form
    fields = {"csrf_token": csrf_from(form), "name": "苏州来客", "id_number": STRANGER_ID, "unit_id": world["unit"],
              "role": "learner", "status": "正常", "out_of_province": "y"}
    refused = client.post("/people/new", data=fields)  # a mobile number is needed: the code goes to it
    assert refused.status_code == 200 and re.search(r'has-error">\s*<label class="control-label" for="mobile"',
                                                    refused.get_data(as_text=True))
    created = client.post("/people/new", data={**fields, "mobile": STRANGER_PHONE})
    assert created.status_code == 302, created.get_data(as_text=True)
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.with_id_number(STRANGER_ID)))
        assert person.out_of_province and [r.name for r in person.user.roles] == [OUT_OF_PROVINCE]
        person_id = person.id
    detail = client.get(created.location).get_data(as_text=True)
    assert "reset-password" not in detail and "self-entry" not in detail
    listing = client.get("/people/?q=苏州来客").get_data(as_text=True)
    assert "badge-out-of-province" in listing
    # Back on the staff: a learner again (with no password until an admin resets it).
    edit = client.get(f"/people/{person_id}/edit").get_data(as_text=True)
    assert 'checked id="out_of_province"' in edit
    saved = client.post(f"/people/{person_id}/edit", data={**fields, "csrf_token": csrf_from(edit), "mobile": STRANGER_PHONE,
                                                           "out_of_province": ""})
    assert saved.status_code == 302
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert not person.out_of_province and [r.name for r in person.user.roles] == ["Learner"]


def test_the_page_is_theirs_alone(app, world, client):
    login(client, "padmin", PASSWORD)
    assert "/out-of-province/" not in client.get("/").get_data(as_text=True)  # not in the provincial admin's menu
    assert client.get("/out-of-province/").status_code == 403
    staff = app.test_client()
    login(staff, world["staff"].username, PASSWORD)
    assert staff.get("/out-of-province/").status_code == 403


def test_unit_admins_do_not_see_the_checkbox(app, world, client, users):
    admin = users.person(world["unit"], role="unit_admin")
    login(client, admin.username, PASSWORD)
    assert 'name="out_of_province"' not in client.get("/people/new").get_data(as_text=True)
    listing = client.get("/people/").get_data(as_text=True)
    assert "沪上来客" in listing and "badge-out-of-province" in listing


def test_a_unit_admin_cannot_clear_their_mobile_number(app, world, client, users):
    admin = users.person(world["unit"], role="unit_admin")
    login(client, admin.username, PASSWORD)
    path = f"/people/{world['visitor'].id}/edit"
    edit = client.get(path).get_data(as_text=True)
    fields = {"csrf_token": csrf_from(edit), "name": "沪上来客", "status": "正常", "mobile": ""}
    assert VISITOR_PHONE not in edit                     # masked in the form: empty keeps it
    assert client.post(path, data=fields).status_code == 302
    with app.app_context():
        assert db.session.get(Person, world["visitor"].id).mobile == VISITOR_PHONE
    assert client.post(path, data={**fields, "mobile": "13900004321", "department": "护理部"}).status_code == 302
    with app.app_context():
        assert db.session.get(Person, world["visitor"].id).mobile == "13900004321"
