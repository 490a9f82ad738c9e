"""Reveals of full ID and phone numbers: masked everywhere but the owner's own view, an admin may
ask for one value at a time with a POST (CSRF token), which is written to the audit trail and
limited per hour. From the attacker's side: another unit's admin, a learner, a GET, a forged
cross-site POST, a scraper."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts import audit
from portal.extensions import db
from portal.models import AuditEntry
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, id_number, login

NUMBER = id_number(region="330102", birth="19820304", seq=55)
MOBILE = "13812345678"


@pytest.fixture
def world(app, users):
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州一院", "institution", "三级", "33"),
                       ("3302", "杭州二院", "institution", "三级", "33")])
    return {
        "admin": users.person(ids["3301"], role="unit_admin", name="王管理"),
        "other_admin": users.person(ids["3302"], role="unit_admin", name="赵管理"),
        "person": users.person(ids["3301"], name="钱多多", id_number=NUMBER, mobile=MOBILE),
        "learner": users.person(ids["3301"], name="孙学员"),
        "province": users.province_admin(),
    }


def _signed_in(app, made):
    client = app.test_client()
    login(client, made.username, PASSWORD)
    return client


def _reveal(client, person_id: int, field: str, token: str | None, json: bool = True):
    data = {"csrf_token": token} if token else {}
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/people/{person_id}/reveal/{field}", data=data, headers=headers)


def _reveals(app) -> list[tuple[int, int, str]]:
    """(who, whose account, which field) of every reveal in the trail."""
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.user_id, AuditEntry.target_user_id, AuditEntry.after)
                                  .where(AuditEntry.action == audit.PERSONAL_DATA_REVEAL).order_by(AuditEntry.id)).all()
        db.session.remove()
    return [(who, whom, after["field"]) for who, whom, after in rows]


def _user_id(app, person_id: int) -> int:
    from portal.models import Person

    with app.app_context():
        return db.session.get(Person, person_id).user_id


def test_the_unit_admin_reveals_their_staffs_numbers_each_reveal_audited(app, world):
    admin, person = world["admin"], world["person"]
    client = _signed_in(app, admin)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert NUMBER not in page and MOBILE not in page
    assert f"/people/{person.id}/reveal/id_number" in page and f"/people/{person.id}/reveal/mobile" in page
    token = csrf_from(page)

    shown = _reveal(client, person.id, "id_number", token)
    assert shown.status_code == 200 and shown.json == {"field": "id_number", "value": NUMBER}
    assert "no-store" in shown.headers["Cache-Control"]
    assert _reveal(client, person.id, "mobile", token).json["value"] == MOBILE
    # Without JavaScript, the form's ordinary POST answers with the person's page showing the value.
    plain = _reveal(client, person.id, "id_number", token, json=False).get_data(as_text=True)
    assert NUMBER in plain and MOBILE not in plain

    whose = _user_id(app, person.id)
    assert _reveals(app) == [(_user_id(app, admin.id), whose, "id_number"), (_user_id(app, admin.id), whose, "mobile"),
                             (_user_id(app, admin.id), whose, "id_number")]
    # Each reveal is in the audit search, in words, and never with the value.
    trail = client.get(f"/audit/?action={audit.PERSONAL_DATA_REVEAL}").get_data(as_text=True)
    assert trail.count("查看完整个人信息") >= 3 and "钱多多" in trail and "手机" in trail and NUMBER not in trail


def test_the_staff_list_offers_the_reveal_inside_its_own_form(app, world):
    client = _signed_in(app, world["admin"])
    page = client.get("/people/").get_data(as_text=True)
    assert NUMBER not in page
    button = re.search(rf'formaction="/people/{world["person"].id}/reveal/id_number"', page)
    assert button and "<form method=\"post\" class=\"reveal-form\">" not in page   # forms do not nest
    assert _reveal(client, world["person"].id, "id_number", csrf_from(page)).json["value"] == NUMBER


def test_the_province_reveals_anyones_numbers(app, world):
    client = _signed_in(app, world["province"])
    page = client.get(f"/people/{world['person'].id}").get_data(as_text=True)
    assert NUMBER not in page
    assert _reveal(client, world["person"].id, "id_number", csrf_from(page)).json["value"] == NUMBER
    assert _reveals(app)[-1][2] == "id_number"


def test_another_units_admin_gets_404_and_nothing_is_recorded(app, world):
    client = _signed_in(app, world["other_admin"])
    token = csrf_from(client.get("/people/").get_data(as_text=True))
    for field in ("id_number", "mobile", "phone"):
        assert _reveal(client, world["person"].id, field, token).status_code == 404
    assert _reveal(client, 10 ** 6, "id_number", token).status_code == 404
    assert _reveals(app) == []


def test_a_learner_gets_nothing_from_the_page_or_the_api(app, world):
    client = _signed_in(app, world["learner"])
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    answer = _reveal(client, world["person"].id, "id_number", token)
    assert answer.status_code in (302, 403, 404) and NUMBER not in answer.get_data(as_text=True)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(api, world['learner'].username, PASSWORD)}"}
    refused = api.post(f"/api/v1/people/{world['person'].id}/reveal/id_number", headers=headers)
    assert refused.status_code in (401, 403, 404) and NUMBER not in refused.get_data(as_text=True)
    assert _reveals(app) == []


def test_other_fields_get_or_a_post_without_the_token_reveal_nothing(app, world):
    client = _signed_in(app, world["admin"])
    token = csrf_from(client.get(f"/people/{world['person'].id}").get_data(as_text=True))
    for field in ("name", "id_sealed", "password"):
        assert _reveal(client, world["person"].id, field, token).status_code == 404
    got = client.get(f"/people/{world['person'].id}/reveal/id_number")
    assert got.status_code == 405 and NUMBER not in got.get_data(as_text=True)
    # A cross-site form rides on the admin's cookie but cannot know the token.
    forged = _reveal(client, world["person"].id, "id_number", None)
    assert forged.status_code == 400 and NUMBER not in forged.get_data(as_text=True)
    forged = _reveal(client, world["person"].id, "id_number", "forged-token")
    assert forged.status_code == 400 and NUMBER not in forged.get_data(as_text=True)
    assert _reveals(app) == []


def test_the_api_reveals_through_the_same_rule(app, world):
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(api, world['admin'].username, PASSWORD)}"}
    detail = api.get(f"/api/v1/people/{world['person'].id}", headers=headers).json["result"]
    assert detail["id_number"] != NUMBER and detail["mobile"] != MOBILE
    shown = api.post(f"/api/v1/people/{world['person'].id}/reveal/mobile", headers=headers)
    assert shown.status_code == 200 and shown.json["value"] == MOBILE
    other = app.test_client()
    other_headers = {"Authorization": f"Bearer {api_token(other, world['other_admin'].username, PASSWORD)}"}
    assert other.post(f"/api/v1/people/{world['person'].id}/reveal/mobile", headers=other_headers).status_code == 404
    assert [field for _, _, field in _reveals(app)] == ["mobile"]


def test_a_scraper_is_stopped_after_the_hourly_limit(app, world):
    client = _signed_in(app, world["admin"])
    token = csrf_from(client.get(f"/people/{world['person'].id}").get_data(as_text=True))
    app.config["REVEALS_PER_HOUR"] = 3
    try:
        answers = [_reveal(client, world["person"].id, "id_number", token).status_code for _ in range(5)]
        api = app.test_client()
        headers = {"Authorization": f"Bearer {api_token(api, world['admin'].username, PASSWORD)}"}
        by_api = api.post(f"/api/v1/people/{world['person'].id}/reveal/mobile", headers=headers)
        # Another admin's allowance is their own.
        province = _signed_in(app, world["province"])
        province_token = csrf_from(province.get(f"/people/{world['person'].id}").get_data(as_text=True))
        theirs = _reveal(province, world["person"].id, "mobile", province_token)
    finally:
        app.config["REVEALS_PER_HOUR"] = 60
    assert answers == [200, 200, 200, 429, 429]
    assert by_api.status_code == 429 and MOBILE not in by_api.get_data(as_text=True)
    assert theirs.status_code == 200
    assert len(_reveals(app)) == 4
