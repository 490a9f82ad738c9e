"""Transfers between units (人员调动): the receiving unit asks by ID number, the releasing unit decides;
an approved transfer moves the person with their records and history; nobody else can see or
decide a transfer, and a refusal needs a reason."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditRecord, Person, PersonHistory, Transfer
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, login
from tests.test_notices import _submitted


@pytest.fixture
def units(app, users):
    province = users.province_admin()
    ids = {code: users.unit(code, name=name) for code, name in (("330101", "杭州市第一医院"), ("330201", "宁波市第二医院"),
                                                                ("330301", "温州市第三医院"))}
    admins = {code: users.person(unit, role="unit_admin", name=f"管理员{code}") for code, unit in ids.items()}
    mover = users.person(ids["330101"], self_entry=True, name="周医生")
    return {"ids": ids, "admins": admins, "mover": mover, "province": province}


def _client(app, who):
    client = app.test_client()
    login(client, who.username, PASSWORD)
    return client, csrf_from(client.get("/transfers/").get_data(as_text=True))


def _transfer(app) -> Transfer | None:
    with app.app_context():
        return db.session.scalar(select(Transfer).order_by(Transfer.id.desc()))


def _unit_of(app, person_id):
    with app.app_context():
        return db.session.get(Person, person_id).unit_id


def test_an_approved_transfer_moves_the_person_with_their_records(app, units):
    mover, ids = units["mover"], units["ids"]
    approved = approved_record(app, mover.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "5", "hours": "10"}, "national")
    waiting = _submitted(app, mover.id, "病例讨论")
    receiving, token = _client(app, units["admins"]["330201"])
    asked = receiving.post("/transfers/ask", data={"csrf_token": token, "id_number": mover.id_number, "note": "人才引进"},
                           follow_redirects=True).get_data(as_text=True)
    assert "已申请将周医生从“杭州市第一医院”调入" in asked
    transfer = _transfer(app)
    # The asking unit cannot let the person go itself.
    assert receiving.post(f"/transfers/{transfer.id}/decide", data={"csrf_token": token, "approve": "1"}).status_code == 404
    releasing, token_a = _client(app, units["admins"]["330101"])
    page = releasing.get("/transfers/").get_data(as_text=True)
    assert "周医生" in page and "人才引进" in page
    done = releasing.post(f"/transfers/{transfer.id}/decide", data={"csrf_token": token_a, "approve": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "周医生已调入“宁波市第二医院”" in done
    assert _unit_of(app, mover.id) == ids["330201"]
    with app.app_context():
        assert db.session.get(CreditRecord, waiting).unit_id == ids["330201"]     # reviewed at the new unit
        assert db.session.get(CreditRecord, approved).unit_id == ids["330101"]    # approved where it was
        history = db.session.scalars(select(PersonHistory.unit_id).where(PersonHistory.person_id == mover.id)).all()
        assert ids["330101"] in history and ids["330201"] in history
    assert "周医生" in receiving.get("/people/").get_data(as_text=True)
    assert "周医生" not in releasing.get("/people/").get_data(as_text=True)
    assert "周医生" in receiving.get("/review/").get_data(as_text=True)


def test_a_refusal_needs_a_reason_and_leaves_the_person_where_they_are(app, units):
    mover = units["mover"]
    receiving, token = _client(app, units["admins"]["330201"])
    receiving.post("/transfers/ask", data={"csrf_token": token, "id_number": mover.id_number})
    transfer = _transfer(app)
    releasing, token_a = _client(app, units["admins"]["330101"])
    silent = releasing.post(f"/transfers/{transfer.id}/decide", data={"csrf_token": token_a, "approve": "0"},
                            follow_redirects=True).get_data(as_text=True)
    assert "请填写不同意调动的原因" in silent and _transfer(app).state == "requested"
    releasing.post(f"/transfers/{transfer.id}/decide", data={"csrf_token": token_a, "approve": "0", "reason": "合同未到期"})
    assert _transfer(app).state == "refused" and _unit_of(app, mover.id) == units["ids"]["330101"]
    assert "合同未到期" in receiving.get("/transfers/").get_data(as_text=True)


def test_strangers_can_neither_see_nor_decide_and_bad_requests_are_explained(app, users, units):
    mover = units["mover"]
    receiving, token = _client(app, units["admins"]["330201"])
    for number, message in ((mover.id_number, "已申请"), (mover.id_number, "该人员已有待审批的调动申请"),
                            (units["admins"]["330201"].id_number, "已是“宁波市第二医院”的人员"),
                            ("110101199003074477", "全省没有该证件号码的在册人员"), ("12345", "18")):
        text = receiving.post("/transfers/ask", data={"csrf_token": token, "id_number": number},
                              follow_redirects=True).get_data(as_text=True)
        assert message in text, message
    transfer = _transfer(app)
    third, token_c = _client(app, units["admins"]["330301"])
    assert "周医生" not in third.get("/transfers/").get_data(as_text=True)
    for url in (f"/transfers/{transfer.id}/decide", f"/transfers/{transfer.id}/withdraw"):
        assert third.post(url, data={"csrf_token": token_c, "approve": "1"}).status_code == 404
    learner = app.test_client()
    login(learner, mover.username, PASSWORD)
    assert learner.get("/transfers/").status_code in (302, 403)
    assert _transfer(app).state == "requested" and _unit_of(app, mover.id) == units["ids"]["330101"]
    receiving.post(f"/transfers/{transfer.id}/withdraw", data={"csrf_token": token})
    assert _transfer(app).state == "withdrawn"


def test_the_province_moves_a_person_on_behalf_of_a_unit(app, units):
    province, token = _client(app, units["province"])
    province.post("/transfers/ask", data={"csrf_token": token, "id_number": units["mover"].id_number,
                                          "to_unit_id": units["ids"]["330301"]})
    transfer = _transfer(app)
    assert (transfer.from_unit_id, transfer.to_unit_id) == (units["ids"]["330101"], units["ids"]["330301"])
    province.post(f"/transfers/{transfer.id}/decide", data={"csrf_token": token, "approve": "1"})
    assert _unit_of(app, units["mover"].id) == units["ids"]["330301"]
    assert "周医生" in province.get("/transfers/").get_data(as_text=True).split('id="decided"')[1]
