"""学分情况查询 and 达标情况查询: pages and API, for the learner and for admins (scoped), with
totals, the verdict, the summary tree, and their Excel exports."""
import datetime as dt
import io

import pytest
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditCategory, Person
from portal.review import services as review
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, login

FREE = "非向导录入"


@pytest.fixture
def year(app, users):
    """A learner of a 二级 hospital with a 2025 of three approved records (one capped), a draft
    and a rejected record; a colleague; an admin of the unit and of another unit."""
    users.province_admin()
    unit, other = users.unit("330101", level="二级", name="第一医院"), users.unit("330102", name="第二医院")
    learner = users.person(unit, self_entry=True, name="王小明")
    made = {
        "learner": learner, "colleague": users.person(unit, self_entry=True, name="李四"),
        "admin": users.person(unit, role="unit_admin", name="管理员"),
        "foreign": users.person(other, role="unit_admin", name="外单位"),
    }
    approved_record(app, learner.id, FREE, dt.date(2025, 3, 1), {"credits": "8", "hours": "24"}, "national",
                    name="国家级心血管学习班")
    approved_record(app, learner.id, FREE, dt.date(2025, 5, 1), {"credits": "10.5", "hours": "40"}, "city", name="市级项目")
    approved_record(app, learner.id, "自学综述", dt.date(2025, 6, 1), {"characters": 30000}, name="=HYPERLINK(\"x\")")
    approved_record(app, learner.id, FREE, dt.date(2024, 6, 1), {"credits": "2", "hours": "6"}, "city", name="去年")
    with app.test_request_context():
        person = db.session.get(Person, learner.id)
        me, padmin = actor_for(person.user), actor_for(app.appbuilder.sm.find_user("padmin"))
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == FREE))
        common = {"activity_name": "草稿", "activity_date": dt.date(2025, 7, 1), "credit_level": "city"}
        credits.create(me, free, common, {"credits": "1", "hours": "1"})
        from portal.models import EvidenceFile
        rejected = credits.create(me, free, {**common, "activity_name": "被退回"}, {"credits": "3", "hours": "3"})
        db.session.add(EvidenceFile(record_id=rejected.id, record_year=rejected.credit_year,
                                    person_id=person.id, stored_name="r" * 32, original_name="a.jpg",
                                    media_type="image/jpeg", size=1, sha256="0" * 64))
        db.session.commit()
        credits.submit(me, [rejected])
        review.decide(padmin, [rejected], "reject", "请补充证明")
    return made


def signed_in(app, made):
    client = app.test_client()
    assert login(client, made.username, PASSWORD).status_code == 302
    return client


def bearer(app, made):
    return {"Authorization": f"Bearer {api_token(app.test_client(), made.username, PASSWORD)}"}


# --- 学分情况查询 ----------------------------------------------------------------------------------

def test_learner_credit_query_totals_over_the_rows_shown(app, year):
    client = signed_in(app, year["learner"])
    html = client.get("/credits/query/?from=2025-01-01&to=2025-12-31&status=all").get_data(as_text=True)
    assert "共5条记录" in html
    assert "国家级心血管学习班" in html and "草稿" in html and "去年" not in html
    totals = html[html.index("data-totals"):html.index("</p>", html.index("data-totals"))]
    # 8 + 10.5 + 15 (self-study, not capped here) + 1 (draft) + 3 (rejected)
    assert "37.50" in totals and "8.00" in totals and "29.50" in totals
    approved = client.get("/credits/query/?from=2025-01-01&to=2025-12-31&status=approved").get_data(as_text=True)
    assert "草稿" not in approved.split("data-totals")[1] and "33.50" in approved


def test_credit_query_says_what_is_wrong_with_a_date(app, year):
    client = signed_in(app, year["learner"])
    html = client.get("/credits/query/?from=2025-13-01").get_data(as_text=True)
    assert "起始日期" in html and "2025-01-31" in html
    html = client.get("/credits/query/?from=2025-06-01&to=2025-01-01").get_data(as_text=True)
    assert "起始日期晚于截止日期" in html


def test_credit_query_api(app, year):
    client = app.test_client()
    answer = client.get("/api/v1/credits/?from=2025-01-01&to=2025-12-31&status=approved", headers=bearer(app, year["learner"]))
    assert answer.status_code == 200
    body = answer.json
    assert body["count"] == 3
    assert body["totals"] == {"credits": "33.50", "hours": "64.0", "class_1": "8.00", "class_2": "25.50", "other": "0.00"}
    assert [r["name"] for r in body["records"]][:2] == ["国家级心血管学习班", "市级项目"]
    assert body["records"][0]["credits"] == "8.00" and body["records"][0]["hours"] == "24.0"
    assert body["records"][0]["credit_level"] == "国家级继续医学教育项目"
    bad = client.get("/api/v1/credits/?status=maybe", headers=bearer(app, year["learner"]))
    assert bad.status_code == 400 and "all" in bad.json["message"]


def test_admins_query_their_staff_and_nobody_else(app, year):
    learner_id = year["learner"].id
    admin = bearer(app, year["admin"])
    client = app.test_client()
    every_year = "from=2024-01-01&to=2025-12-31"
    assert client.get(f"/api/v1/credits/?person_id={learner_id}&{every_year}", headers=admin).json["count"] == 6
    assert client.get(f"/api/v1/credits/?person_id={learner_id}", headers=bearer(app, year["foreign"])).status_code == 404
    assert client.get(f"/api/v1/credits/?person_id={learner_id}", headers=bearer(app, year["colleague"])).status_code == 404
    admin_client = signed_in(app, year["admin"])
    detail = admin_client.get(f"/people/{learner_id}").get_data(as_text=True)
    assert f"/credits/query/?person_id={learner_id}" in detail and f"/compliance/?person_id={learner_id}" in detail
    page = admin_client.get(f"/credits/query/?person_id={learner_id}")
    assert page.status_code == 200 and "王小明" in page.get_data(as_text=True)
    assert signed_in(app, year["foreign"]).get(f"/credits/query/?person_id={learner_id}").status_code == 404


# --- 达标情况查询 ----------------------------------------------------------------------------------

def test_compliance_page_explains_the_year(app, year):
    html = signed_in(app, year["learner"]).get("/compliance/?year=2025").get_data(as_text=True)
    verdict = html[html.index("data-verdict"):html.index("data-summary-tree")]
    assert "不达标" in verdict and "2024年全国继续医学教育学分标准" in verdict
    # 8 + 10.5 + 10 (self-study capped at 10 of 15) = 28.5 credits, 64 hours of 90.
    assert "学时还差 26.0 学时" in verdict and "28.50" in verdict
    caps = verdict[verdict.index("data-caps"):]
    assert "自学综述" in caps and "15.00" in caps and "10.00" in caps
    tree = html[html.index("data-summary-tree"):html.index("data-records")]
    assert tree.index("总学分") < tree.index("I类学分") < tree.index("国家级继续医学教育项目") < tree.index("II类学分")
    assert "自学笔记" in tree
    records_table = html[html.index("data-records"):]
    assert "国家级心血管学习班" in records_table and "草稿" not in records_table and "被退回" not in records_table
    assert "2025-01-01" in html and "2025-12-31" in html


def test_compliance_api(app, year):
    client = app.test_client()
    body = client.get("/api/v1/compliance/2025", headers=bearer(app, year["learner"])).json
    assert (body["year"], body["compliant"], body["rule_set"]) == (2025, False, "2024年全国继续医学教育学分标准")
    assert body["totals"]["credits"] == "28.50" and body["totals"]["hours"] == "64.0"
    assert [(s["requirement"], s["missing"]) for s in body["shortfalls"]] == [("hours", "26.0")]
    assert body["deemed_by"] is None
    # The manual's figure 8: the counted records with its columns.
    first = body["records"][0]
    assert set(first) - {"id"} == {"date", "number", "name", "credit_class", "credit_level", "discipline",
                                   "hosting_method", "hours", "credits", "issuer"}
    assert (first["date"], first["name"], first["credit_class"], first["credit_level"], first["hours"],
            first["credits"]) == ("2025-03-01", "国家级心血管学习班", "I类", "国家级继续医学教育项目", "24.0", "8.00")
    assert [r["name"] for r in body["records"]] == ["国家级心血管学习班", "市级项目", '=HYPERLINK("x")']
    total = body["summary"][0]
    assert (total["name"], total["credits"]) == ("总学分", "28.50")
    class_1 = next(n for n in total["children"] if n["name"] == "I类学分")
    assert class_1["credits"] == "8.00" and class_1["children"][0] == {
        "name": "国家级继续医学教育项目", "credits": "8.00", "hours": "24.0", "children": []}
    empty = client.get("/api/v1/compliance/2019", headers=bearer(app, year["learner"])).json
    assert empty["compliant"] is False and empty["totals"]["records"] == 0
    assert client.get(f"/api/v1/compliance/2025?person_id={year['learner'].id}",
                      headers=bearer(app, year["foreign"])).status_code == 404


def test_unit_compliance_api(app, year):
    client = app.test_client()
    unit_id = year["learner"].unit_id
    body = client.get(f"/api/v1/units/{unit_id}/compliance/2025", headers=bearer(app, year["admin"])).json
    assert (body["staff"], body["compliant"], body["rate"]) == (3, 0, "0.0")
    learner = next(p for p in body["people"] if p["name"] == "王小明")
    assert learner["totals"]["credits"] == "28.50"
    assert client.get(f"/api/v1/units/{unit_id}/compliance/2025", headers=bearer(app, year["foreign"])).status_code == 404
    assert client.get(f"/api/v1/units/{unit_id}/compliance/2025", headers=bearer(app, year["learner"])).status_code == 404


def test_home_page_says_where_the_learner_stands_this_year(app, year):
    today = dt.date.today()
    approved_record(app, year["learner"].id, FREE, today, {"credits": "20", "hours": "90"}, "city")
    html = signed_in(app, year["learner"]).get("/").get_data(as_text=True)
    card = html[html.index('id="this-year"'):]
    assert f"{today.year}年度达标情况" in card and "不达标" in card and "总学分还差 5.00 分" in card


def _sheet(response):
    from openpyxl import load_workbook

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows()]
    return rows


def test_credit_query_export_has_the_rows_the_totals_and_no_formula(app, year):
    client = signed_in(app, year["learner"])
    token = csrf_from(client.get("/credits/query/").get_data(as_text=True))
    response = client.post("/exports/credits.xlsx", data={"csrf_token": token, "from": "2025-01-01",
                                                          "to": "2025-12-31", "status": "approved"})
    assert "filename*=UTF-8''%E5%AD%A6%E5%88%86" in response.headers["Content-Disposition"]
    rows = _sheet(response)
    assert rows[0][:3] == ["日期", "项目编号", "活动名称"] and rows[0][-1] == "学分录入单位"
    assert [r[2] for r in rows[1:4]] == ["国家级心血管学习班", "市级项目", "'=HYPERLINK(\"x\")"]
    assert rows[1][0] == dt.datetime(2025, 3, 1) and rows[1][8] == 8
    totals = rows[4]
    assert totals[0] == "合计" and totals[8] == 33.5 and totals[7] == 64 and "I类 8.00" in totals[2]


def test_compliance_export_through_the_api(app, year):
    response = app.test_client().get("/api/v1/exports/compliance/2025.xlsx", headers=bearer(app, year["learner"]))
    rows = _sheet(response)
    # The manual's figure 8.
    assert rows[0] == ["日期", "项目编号", "活动名称", "学分类别", "学分子类别", "学科", "举办方式", "学时", "学分",
                       "学分录入单位"]
    assert [r[2] for r in rows[1:4]] == ["国家级心血管学习班", "市级项目", "'=HYPERLINK(\"x\")"]
    assert rows[1][3] == "I类" and rows[1][4] == "国家级继续医学教育项目" and rows[3][4] == "省级继续医学教育项目"
    totals = rows[4]
    assert totals[1] == "合计" and totals[8] == 33.5 and "不达标" in totals[2] and "28.50" in totals[2]
    assert app.test_client().get(f"/api/v1/exports/compliance/2025.xlsx?person_id={year['learner'].id}",
                                 headers=bearer(app, year["foreign"])).status_code == 404
