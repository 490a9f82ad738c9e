"""打印学分登记表 and 多年度学分验证表: generating a frozen form (person line, records, totals, result,
multi-year requirements), who may generate and open it, its PDF read back (text layer, embedded
font, QR code to the verification page) and the REST API."""
import datetime as dt
import re
import subprocess

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditForm, Person, Unit
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, id_number, login

FREE = "非向导录入"
FORM_NUMBER = re.compile(r"^(DJ|YZ)-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def world(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33"),
                       ("3302", "宁波市第二医院", "institution", "二级", "33")])
    learner = users.person(ids["3301"], name="张三明", id_number=id_number(region="330106", seq=1),
                           department="心内科", title="主治医师", title_level="中级")
    other = users.person(ids["3302"], name="李四")
    admin = users.person(ids["3301"], role="unit_admin", name="管理员")
    # 2025: 20 I类 + 6 II类 = 26 credits, 78 hours (< 90): 不达标 by hours under the 2024 rules.
    approved_record(app, learner.id, FREE, dt.date(2025, 3, 1), {"credits": "20", "hours": "60"}, "national",
                    name="国家级心血管学习班")
    approved_record(app, learner.id, FREE, dt.date(2025, 6, 1), {"credits": "6", "hours": "18"}, "city",
                    name="市级心电图讲座")
    # 2018 (2006 rules, 三级 unit): 12 I类 national (10 count) + 15 II类 → 达标; 12 national credits in 5 years.
    approved_record(app, learner.id, FREE, dt.date(2018, 5, 1), {"credits": "12", "hours": "36"}, "national",
                    name="2018国家级项目")
    approved_record(app, learner.id, FREE, dt.date(2018, 7, 1), {"credits": "15", "hours": "45"}, "city",
                    name="2018市级项目")
    approved_record(app, other.id, FREE, dt.date(2025, 3, 1), {"credits": "2", "hours": "6"}, "city")
    return {"learner": learner, "other": other, "admin": admin, "units": ids}


def _signed_in(client, person):
    login(client, person.username, PASSWORD)
    return client


def _generate(client, path, data):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data})


def _form(app, number):
    with app.app_context():
        return db.session.scalar(select(CreditForm).where(CreditForm.number == number))


def test_registration_form_freezes_the_year(app, world, client):
    _signed_in(client, world["learner"])
    menu = client.get("/compliance/").get_data(as_text=True)
    assert "打印学分登记表" in menu and 'href="/forms/verification/"' in menu
    page = client.get("/forms/registration/?year=2025").get_data(as_text=True)
    with app.app_context():
        person_no = db.session.get(Person, world["learner"].id).person_no
    for text in (person_no, "张三明", "心内科", "主治医师", "男", "正常"):
        assert text in page
    response = _generate(client, "/forms/registration/?year=2025", {"year": "2025", "output": "page"})
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert FORM_NUMBER.match(number) and number.startswith("DJ-")
    form = _form(app, number)
    s = form.statement
    assert (s["kind"], s["year"], s["person"]["name"], s["person"]["department"]) == ("registration", 2025, "张三明", "心内科")
    assert [r["name"] for r in s["records"]] == ["国家级心血管学习班", "市级心电图讲座"]
    f = s["figures"]
    assert (f["credits"], f["class_1"], f["class_2"], f["hours"], f["compliant"]) == ("26.00", "20.00", "6.00", "78.0", False)
    assert f["result"] == "不达标" and any("学时" in m for m in f["shortfalls"])
    assert (f["period_start"], f["period_end"]) == ("2025-01-01", "2025-12-31")
    # The print page shows the frozen form, a print button above it.
    html = client.get(f"/forms/{number}").get_data(as_text=True)
    assert "学分登记表" in html and "国家级心血管学习班" in html and 'id="print-form"' in html and "<svg" in html
    # A later change of the unit's name does not change the form.
    with app.app_context():
        db.session.get(Unit, world["units"]["3301"]).name = "改名后的医院"
        db.session.commit()
    html = client.get(f"/forms/{number}").get_data(as_text=True)
    assert "杭州市第一医院" in html and "改名后的医院" not in html
    # The owner sees the form in the list, with its verification count.
    listing = client.get("/forms/registration/?year=2025").get_data(as_text=True)
    assert number in listing


def test_verification_table_over_years_with_multi_year_requirement(app, world, client):
    _signed_in(client, world["learner"])
    response = _generate(client, "/forms/verification/", {"years": ["2018", "2025"], "output": "pdf"})
    assert response.status_code == 302 and response.headers["Location"].endswith(".pdf")
    number = response.headers["Location"].rsplit("/", 1)[1][:-4]
    s = _form(app, number).statement
    assert number.startswith("YZ-") and s["kind"] == "verification"
    assert [(y["year"], y["credits"], y["compliant"]) for y in s["years"]] == [(2018, "25.00", True), (2025, "26.00", False)]
    assert s["years"][0]["rule_set"] and s["years"][0]["period_start"] == "2018-01-01"
    multi, = s["multi_year"]
    assert (multi["year"], multi["have"], multi["need"], multi["met"]) == (2018, "12.00", "10.00", True)
    assert "5年内" in multi["requirement"]


@pytest.mark.parametrize("years, message", [([], "至少勾选一个年度"), (["2019", "abc"], "不是年度"),
                                            (["1980"], "请选择"), ([str(y) for y in range(2010, 2022)], "最多勾选")])
def test_bad_years_get_a_message_and_no_form(app, world, client, years, message):
    _signed_in(client, world["learner"])
    response = _generate(client, "/forms/verification/", {"years": years, "output": "pdf"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    for year in (y for y in years if y.isdigit() and int(y) >= 2017):  # the years offered come back ticked
        assert re.search(rf'value="{year}"\s+checked', html), year
    with app.app_context():
        assert db.session.scalar(select(CreditForm.id)) is None


def test_someone_elses_person_and_form_are_not_found(app, world, client, users):
    other_client = app.test_client()
    _signed_in(other_client, world["other"])
    response = _generate(other_client, "/forms/registration/", {"year": "2025"})
    other_number = response.headers["Location"].rsplit("/", 1)[1]

    _signed_in(client, world["learner"])
    assert client.get(f"/forms/{other_number}").status_code == 404
    assert client.get(f"/forms/{other_number}.pdf").status_code == 404
    assert client.get(f"/forms/registration/?person_id={world['other'].id}").status_code == 404
    # The learner's unit admin may generate one for them, not for another unit's staff.
    admin = app.test_client()
    _signed_in(admin, world["admin"])
    detail = admin.get(f"/people/{world['learner'].id}").get_data(as_text=True)
    assert f"/forms/registration/?person_id={world['learner'].id}" in detail
    assert f"/forms/verification/?person_id={world['learner'].id}" in detail
    page = admin.get(f"/forms/registration/?person_id={world['learner'].id}&year=2025")
    assert page.status_code == 200 and "张三明" in page.get_data(as_text=True)
    assert admin.get(f"/forms/registration/?person_id={world['other'].id}").status_code == 404
    assert admin.get(f"/forms/{other_number}").status_code == 404


def test_generating_needs_the_csrf_token(app, world, client):
    _signed_in(client, world["learner"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/forms/registration/", data={"year": "2025"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(CreditForm.id)) is None


def test_verification_page_of_a_form_masks_the_person(app, world, client):
    _signed_in(client, world["learner"])
    number = _generate(client, "/forms/registration/", {"year": "2025"}).headers["Location"].rsplit("/", 1)[1]
    token = _form(app, number).token
    public = app.test_client()
    page = public.get(f"/verify/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "张*明" in html and "张三明" not in html and "心内科" not in html and "国家级心血管学习班" in html
    assert "<td>26.00</td><td>20.00</td><td>6.00</td><td>78.0</td>" in html
    data = public.get(f"/verify/{token}?format=json").json
    assert data["kind"] == "registration" and data["person_name"] == "张*明" and "person" not in data
    assert data["figures"]["credits"] == "26.00" and data["verification_count"] == 2
    assert public.get(f"/verify/{token[:-1]}{'y' if token.endswith('x') else 'x'}").status_code == 404
    # The owner sees that it was checked.
    assert "2次" in client.get("/forms/registration/?year=2025").get_data(as_text=True)


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_api_forms_read_back(app, world, client, tmp_path):
    token = api_token(client, world["learner"].username, PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/forms/registration/2025.pdf", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number, verify_url = response.headers["X-Form-Number"], response.headers["X-Verify-URL"]
    text = _pdftotext(response.data, tmp_path)
    for expected in ("学分登记表", "张三明", "国家级心血管学习班", "不达标", number):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(tmp_path / "form.pdf")], check=True, capture_output=True, text=True).stdout
    assert "CJK" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
    # The QR code decodes to the verification URL, which answers with this form.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "form.pdf"), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], check=True, capture_output=True, text=True).stdout.strip()
    assert decoded == verify_url
    assert client.get(verify_url.split("5000", 1)[1] + "?format=json").json["number"] == number

    response = client.get("/api/v1/forms/verification.pdf?years=2018,2025", headers=headers)
    assert response.status_code == 200
    text = _pdftotext(response.data, tmp_path)
    for expected in ("多年度学分验证表", "2018", "2025", "达标", "5年内"):
        assert expected in text, expected
    assert client.get("/api/v1/forms/verification.pdf?years=", headers=headers).status_code == 400
    assert client.get("/api/v1/forms/registration/1980.pdf", headers=headers).status_code == 400
    assert client.get(f"/api/v1/forms/registration/2025.pdf?person_id={world['other'].id}", headers=headers).status_code == 404
