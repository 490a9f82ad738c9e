"""找回账户密码 from the attacker's side: the same answer whether or not an account matches, a code
that works once and only for the account it was sent to, a new password through the policy, and
every session of the account ended by the reset."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, id_number, login, without_nonces

NEW = "Quiet-harbour-lantern-9"


def _outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _post(client, action, number, phone, code="", password="", confirm=None):
    token = csrf_from(client.get("/account/recover/").get_data(as_text=True))
    return client.post("/account/recover/", data={
        "csrf_token": token, "action": action, "id_number": number, "phone": phone, "code": code,
        "new_password": password, "confirm": password if confirm is None else confirm})


def _code_sent(app, before, phone):
    (message,) = _outbox(app)[before:]
    assert message["phone"] == phone
    return re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]).group(0)


def _page(response):
    return without_nonces(re.sub(r'value="[^"]*"', "", response.get_data(as_text=True)))


@pytest.fixture
def staff(users):
    unit = users.unit("330101")
    return (users.person(unit, name="甲", mobile="13900000001", id_number=id_number(seq=101)),
            users.person(unit, name="乙", mobile="13900000002", id_number=id_number(seq=102)))


def test_the_answer_is_the_same_whether_or_not_an_account_matches(app, staff):
    first, _ = staff
    known = _post(app.test_client(), "send", first.id_number, "13900000001")
    before = len(_outbox(app))
    unknown = _post(app.test_client(), "send", id_number(seq=103), "13900000003")
    wrong_phone = _post(app.test_client(), "send", first.id_number, "13900000009")
    assert len(_outbox(app)) == before  # only the account's own phone gets a code
    assert known.status_code == unknown.status_code == wrong_phone.status_code == 200
    assert _page(known).replace(first.id_number, "X").replace("13900000001", "P") == \
        _page(unknown).replace(id_number(seq=103), "X").replace("13900000003", "P")
    assert "如身份证号和手机号与某个账户相符" in _page(known)


def test_the_code_works_once_only_for_its_account_and_ends_every_session(app, client, staff):
    first, second = staff
    victim_browser = app.test_client()
    login(victim_browser, second.username, PASSWORD)
    before = len(_outbox(app))
    _post(client, "send", second.id_number, "13900000002")
    code = _code_sent(app, before, "13900000002")
    # The first account's owner tries the second's code on their own account: refused.
    taken = _post(app.test_client(), "reset", first.id_number, "13900000001", code, NEW)
    assert "验证码错误或已失效" in taken.get_data(as_text=True)
    # A weak new password is refused; the code still works for a good one.
    weak = _post(client, "reset", second.id_number, "13900000002", code, "Aa123456!")
    assert "常见" in weak.get_data(as_text=True)
    done = _post(client, "reset", second.id_number, "13900000002", code, NEW)
    assert done.status_code == 302 and "/login/" in done.location
    assert victim_browser.get("/profile/").status_code == 302  # the old session is over
    # The same code again: refused.
    again = _post(app.test_client(), "reset", second.id_number, "13900000002", code, "Another-river-stone-4")
    assert "验证码错误或已失效" in again.get_data(as_text=True)
    assert login(app.test_client(), second.username, NEW).status_code == 302
    assert login(app.test_client(), first.username, PASSWORD).status_code == 302  # untouched
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "password_recovery")).all()
    assert actions == ["password_recovery"]


def test_a_wrong_code_five_times_uses_the_code_up(app, client, staff):
    _, second = staff
    before = len(_outbox(app))
    _post(client, "send", second.id_number, "13900000002")
    code = _code_sent(app, before, "13900000002")
    for n in range(5):
        _post(client, "reset", second.id_number, "13900000002", f"{(int(code) + n + 1) % 10 ** 6:06d}", NEW)
    late = _post(client, "reset", second.id_number, "13900000002", code, NEW)
    assert "验证码错误或已失效" in late.get_data(as_text=True)
