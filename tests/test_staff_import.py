"""Staff import from Excel (批量导入): every row checked before anything is written, problems named
by row and column, all rows or none, the province across units, passwords handed over once, and
people, accounts and roles consistent afterwards."""
import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.accounts.roles import LEARNER
from portal.extensions import db
from portal.models import AccountState, Person, PersonHistory
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, id_number, login

HEADERS = ["姓名*", "证件号码*", "人员编号", "手机", "科室", "当前职称", "职称级别"]


def _number(i: int, region: str = "330102") -> str:
    return id_number(region=region, birth=(dt.date(1960, 1, 1) + dt.timedelta(days=i)).strftime("%Y%m%d"), seq=i % 1000)


def _rows(n: int) -> list[list[str]]:
    return [[f"导入{i}", _number(i), "", f"138{i:08d}", "内科", "主治医师", "中级"] for i in range(n)]


def _workbook(rows, headers=HEADERS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person))


@pytest.fixture
def hospital(app, users):
    unit = users.unit("330101", name="杭州市第一医院")
    return {"unit": unit, "admin": users.person(unit, role="unit_admin", name="管理员")}


def _bearer(client, who):
    return {"Authorization": f"Bearer {api_token(client, who.username, PASSWORD)}"}


def test_five_thousand_rows_with_three_bad_ones_write_nothing_then_all_import(app, client, hospital):
    rows = _rows(5000)
    rows[10][1] = rows[10][1][:-1] + ("0" if rows[10][1][-1] != "0" else "1")   # wrong check character
    rows[2500][0] = ""                                                           # no name
    rows[4999][1] = rows[7][1]                                                   # same person as row 9
    headers, before = _bearer(client, hospital["admin"]), _people(app)
    refused = client.post("/api/v1/people/import", headers=headers, data={"file": (_workbook(rows), "staff.xlsx")})
    assert refused.status_code == 422 and refused.json["created"] == 0
    named = {(e["row"], e["column"]) for e in refused.json["errors"]}
    assert named == {(12, "证件号码"), (2502, "姓名"), (9, "证件号码"), (5001, "证件号码")}
    duplicate = next(e for e in refused.json["errors"] if e["row"] == 5001)
    assert "第 9、5001 行的身份证号重复" in duplicate["message"]
    assert _people(app) == before
    rows[10][1], rows[2500][0], rows[4999][1] = _number(10), "导入2500", _number(4999)
    dry = client.post("/api/v1/people/import?dry_run=1", headers=headers, data={"file": (_workbook(rows), "staff.xlsx")})
    assert (dry.status_code, dry.json["checked"], _people(app)) == (200, 5000, before)
    done = client.post("/api/v1/people/import", headers=headers, data={"file": (_workbook(rows), "staff.xlsx")})
    assert done.status_code == 201 and done.json["created"] == 5000 and len(done.json["accounts"]) == 5000
    assert _people(app) == before + 5000
    _every_person_is_whole(app)
    again = client.post("/api/v1/people/import", headers=headers, data={"file": (_workbook(rows[:1]), "staff.xlsx")})
    assert again.status_code == 422 and "已在“杭州市第一医院”" in again.json["errors"][0]["message"]


def _every_person_is_whole(app):
    """Each person: one active account named by their staff number, exactly one role, their unit,
    a first history row; each imported one must change the initial password."""
    with app.app_context():
        for person in db.session.scalars(select(Person)):
            user = person.user
            assert user is not None and user.active and user.username == person.person_no
            assert len(user.roles) == 1 and person.unit_id is not None
            assert db.session.scalar(select(func.count()).select_from(PersonHistory)
                                     .where(PersonHistory.person_id == person.id)) >= 1
            if person.name.startswith("导入"):
                assert [r.name for r in user.roles] == [LEARNER]
                assert db.session.get(AccountState, user.id).must_change_password
                assert person.sex in ("男", "女") and person.birth_date is not None


def test_the_province_imports_across_units_by_code(app, client, users):
    province = users.province_admin()
    users.unit("330101", name="杭州市第一医院")
    users.unit("330201", name="宁波市第二医院")
    headers = ["单位编码*", *HEADERS]
    rows = [["330101", *_rows(1)[0]], ["330201", *_rows(2)[1]], ["999999", *_rows(3)[2]]]
    bearer = _bearer(client, province)
    refused = client.post("/api/v1/people/import", headers=bearer, data={"file": (_workbook(rows, headers), "s.xlsx")})
    assert refused.status_code == 422
    problems = [(e["row"], e["column"], e["message"]) for e in refused.json["errors"]]
    assert problems == [(4, "单位编码", "没有编码为 999999 的单位。")]
    done = client.post("/api/v1/people/import", headers=bearer, data={"file": (_workbook(rows[:2], headers), "s.xlsx")})
    assert done.status_code == 201
    with app.app_context():
        units = dict(db.session.execute(select(Person.name, Person.unit_id).where(Person.name.like("导入%"))).all())
        assert len(set(units.values())) == 2


def test_a_unit_admin_imports_only_into_their_own_unit(app, client, users, hospital):
    other = users.unit("330201", name="宁波市第二医院")
    rows = [["330201", *_rows(1)[0]]]
    done = client.post("/api/v1/people/import", headers=_bearer(client, hospital["admin"]),
                       data={"file": (_workbook(rows, ["单位编码*", *HEADERS]), "s.xlsx")})
    assert done.status_code == 201
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == "导入0"))
        assert person.unit_id == hospital["unit"] and person.unit_id != other


def test_learners_cannot_import_and_a_non_workbook_is_explained(app, client, users, hospital):
    learner = users.person(hospital["unit"], name="学员")
    refused = client.post("/api/v1/people/import", headers=_bearer(client, learner),
                          data={"file": (_workbook(_rows(1)), "s.xlsx")})
    assert refused.status_code in (401, 403) and _people(app) == 2
    client.get("/logout/")
    junk = client.post("/api/v1/people/import", headers=_bearer(client, hospital["admin"]),
                       data={"file": (io.BytesIO(b"%PDF-1.4 not a workbook"), "s.xlsx")})
    assert junk.status_code == 400 and "不是 Excel 工作簿" in junk.json["message"]


def test_the_template_offers_the_choices_and_keeps_numbers_as_text(app, client, hospital):
    response = client.get("/api/v1/people/import-template.xlsx", headers=_bearer(client, hospital["admin"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["姓名*", "证件号码*", "人员编号"] and "单位编码*" not in headers
    choices = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("中级" in f for f in choices) and any("正常" in f for f in choices)
    assert sheet.column_dimensions["B"].number_format == "@"


def test_web_import_shows_problems_then_imports_and_hands_over_passwords_once(app, client, hospital):
    login(client, hospital["admin"].username, PASSWORD)
    page = client.get("/people/import/").get_data(as_text=True)
    token = csrf_from(page)
    rows = _rows(3)
    rows[1][3] = "12345"
    shown = client.post("/people/import/", data={"csrf_token": token, "file": (_workbook(rows), "staff.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "文件中有 1 处问题，未导入任何数据" in shown and ">3<" in shown and "手机" in shown
    assert _people(app) == 1
    rows[1][3] = "13800000001"
    preview = client.post("/people/import/", data={"csrf_token": token, "file": (_workbook(rows), "staff.xlsx")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "全部 3 行检查通过" in preview and _people(app) == 1
    upload = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = client.post("/people/import/confirm", data={"csrf_token": token, "token": upload})
    assert done.status_code == 302 and _people(app) == 4
    replay = client.post("/people/import/confirm", data={"csrf_token": token, "token": upload}, follow_redirects=True)
    assert "已过期或已导入" in replay.get_data(as_text=True) and _people(app) == 4
    result = client.get(done.location).get_data(as_text=True)
    assert "已导入 3 人" in result
    link = re.search(r'href="(/people/import/accounts/[^"]+\.xlsx)"', result).group(1)
    passwords = client.get(link)
    assert passwords.status_code == 200 and passwords.headers["Cache-Control"].startswith("private, no-store")
    sheet = load_workbook(io.BytesIO(passwords.data)).worksheets[0]
    name, _staff_no, username, initial = [c.value for c in sheet[2]]
    assert name == "导入0"
    assert client.get(link).status_code == 302   # once only
    client.get("/logout/")
    signed_in = login(client, username, initial)
    assert signed_in.status_code == 302 and "password" in signed_in.location   # the first sign-in changes it


def test_another_admin_cannot_take_the_passwords(app, client, users, hospital):
    other_admin = users.person(users.unit("330201"), role="unit_admin", name="别家管理员")
    login(client, hospital["admin"].username, PASSWORD)
    token = csrf_from(client.get("/people/import/").get_data(as_text=True))
    preview = client.post("/people/import/", data={"csrf_token": token, "file": (_workbook(_rows(1)), "s.xlsx")},
                          content_type="multipart/form-data").get_data(as_text=True)
    upload = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = client.post("/people/import/confirm", data={"csrf_token": token, "token": upload})
    link = done.location.replace("/done/", "/accounts/") + ".xlsx"
    thief = app.test_client()
    login(thief, other_admin.username, PASSWORD)
    assert thief.get(link).status_code == 302 and thief.get(done.location).status_code == 404
    assert client.get(link).status_code == 200
