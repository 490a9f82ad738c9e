"""The compliance dashboards: a unit's rate, charts and list of staff not compliant yet (and
who may see which unit), and the province's rate per city with its drill-down to units."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from portal.compliance import dashboards
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, compute_tallies, login

DAY = dt.date(2025, 3, 1)


# Province → two cities; 医院甲 in a county of the first, 医院乙 in the second, 省直医院 under the province.
TREE = [("33", "省卫健委", "province", None, None), ("3301", "甲市卫健委", "city", None, "33"),
        ("330108", "甲市某县卫健局", "county", None, "3301"), ("33010801", "医院甲", "institution", "三级", "330108"),
        ("3302", "乙市卫健委", "city", None, "33"), ("330201", "医院乙", "institution", "三级", "3302"),
        ("3399", "省直医院", "institution", "三级", "33")]


def _compliant(app, person_id: int) -> None:
    """30 credits and 100 hours in 2025: compliant under the 2024 rules (two records: at most 25 each)."""
    for _ in range(2):
        approved_record(app, person_id, "非向导录入", DAY, {"credits": "15", "hours": "50"}, "national")


@pytest.fixture
def province(app, users):
    """医院甲: its admin (副高, 医务科, nothing), 李一 (初级, 内科, compliant), 王二 (初级, 内科, 10 credits
    and 40 hours) and 赵三 (中级, 外科, compliant): 2 of 4 (外省来客, an out-of-province learner it
    registered, is not staff and not counted). 医院乙: its admin and two compliant people
    (2 of 3). 省直医院: one person with nothing (0 of 1)."""
    units = users.units(TREE)
    users.province_admin()
    a, b, direct = units["33010801"], units["330201"], units["3399"]
    made = {
        "admin_a": users.person(a, role="unit_admin", name="甲管理员", title_level="副高", department="医务科", person_no="A00"),
        "li": users.person(a, name="李一", title_level="初级", department="内科", person_no="A01"),
        "wang": users.person(a, name="王二", title_level="初级", department="内科", person_no="A02"),
        "zhao": users.person(a, name="赵三", title_level="中级", department="外科", person_no="A03"),
        "visitor": users.person(a, name="外省来客", department="内科", person_no="A09", mobile="13900001234",
                                out_of_province=True),
        "admin_b": users.person(b, role="unit_admin", name="乙管理员", person_no="B00"),
        "b1": users.person(b, name="乙一", person_no="B01"),
        "b2": users.person(b, name="乙二", person_no="B02"),
        "direct": users.person(direct, name="省直一", person_no="C01"),
    }
    for key in ("li", "zhao", "b1", "b2"):
        _compliant(app, made[key].id)
    approved_record(app, made["wang"].id, "非向导录入", DAY, {"credits": "10", "hours": "40"}, "national")
    # What the provincial pages read: every year they show computed by the tallies job.
    compute_tallies(app, range(2021, dt.date.today().year + 1))
    return units, made


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _chart(html: str, chart_id: str) -> str:
    return html.split(f'id="{chart_id}"', 1)[1].split("</figure>", 1)[0]


def _failing(html: str) -> str:
    return html.split('id="failing"', 1)[1]


def test_unit_dashboard_shows_rate_charts_and_who_is_not_compliant(client, province):
    units, made = province
    login(client, made["admin_a"].username, PASSWORD)
    html = _text(client.get("/compliance/unit/?year=2025"))
    assert "50.0%" in html.split('id="unit-rate"', 1)[1].split("</div>", 1)[0]
    by_title = _chart(html, "by-title")
    assert re.search(r"初级</span>.*1/2 \(50\.0%\).*中级</span>.*1/1 \(100\.0%\).*副高</span>.*0/1 \(0\.0%\)", by_title)
    by_department = _chart(html, "by-department")
    assert "内科</span>" in by_department and "1/2 (50.0%)" in by_department and "0/1 (0.0%)" in by_department
    failing = _failing(html)
    assert "甲管理员" in failing and "王二" in failing and "李一" not in failing and "赵三" not in failing
    assert "外省来客" not in failing
    # 王二 has 10 of 25 credits and 40 of 90 hours: 15 and 50 short.
    wang = failing.split("王二", 1)[1].split("</tr>", 1)[0]
    assert "10.00" in wang and "40.0" in wang and "总学分还差 15.00 分；学时还差 50.0 学时" in wang
    assert f"/compliance/?year=2025&amp;person_id={made['wang'].id}" in failing
    assert "乙一" not in html  # another unit's staff


def test_unit_admin_sees_only_their_unit_and_learners_are_refused(app, client, province):
    units, made = province
    login(client, made["admin_b"].username, PASSWORD)
    assert client.get(f"/compliance/unit/?year=2025&unit_id={units['33010801']}").status_code == 404
    own = _text(client.get(f"/compliance/unit/?year=2025&unit_id={units['330201']}"))
    assert "66.7%" in own and "乙管理员" in own
    learner = app.test_client()
    login(learner, made["li"].username, PASSWORD)
    assert learner.get("/compliance/unit/?year=2025").status_code in (302, 403)
    assert learner.get("/compliance/province/?year=2025").status_code in (302, 403)
    assert client.get("/compliance/province/?year=2025").status_code in (302, 403)


def test_year_without_standard_and_paging(client, province, monkeypatch):
    units, made = province
    login(client, made["admin_a"].username, PASSWORD)
    html = _text(client.get("/compliance/unit/?year=1995"))
    note = html.split('role="note"', 1)[1].split("</p>", 1)[0]
    assert "4" in note and "0.0%" in html
    monkeypatch.setattr(dashboards, "PER_PAGE", 1)
    second = _failing(_text(client.get("/compliance/unit/?year=2025&page=2")))
    assert "王二" in second and "甲管理员" not in second and "2 / 2" in second


def test_provincial_admin_sees_rates_per_city_and_drills_down(client, province):
    units, made = province
    login(client, "padmin", PASSWORD)
    html = _text(client.get("/compliance/province/?year=2025"))
    assert "50.0%" in html.split('id="total-rate"', 1)[1].split("</div>", 1)[0]  # 4 of 8
    table = html.split('id="groups"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in table.split("<tr>")[2:]]
    cells = [[c.strip() for c in row.split("|") if c.strip()] for row in rows]
    assert cells[0] == ["甲市卫健委", "4", "2", "50.0%"]
    assert cells[1] == ["乙市卫健委", "3", "2", "66.7%"]
    assert cells[2][1:] == ["1", "0", "0.0%"]  # the province's own units
    assert "2/3 (66.7%)" in _chart(html, "by-group")
    assert f"city_id={units['3301']}" in table

    city = _text(client.get(f"/compliance/province/?year=2025&city_id={units['3301']}"))
    groups = city.split('id="groups"', 1)[1].split("</table>", 1)[0]
    assert "医院甲" in groups and "医院乙" not in groups
    assert f"/compliance/unit/?year=2025&amp;unit_id={units['33010801']}" in groups
    assert client.get(f"/compliance/province/?year=2025&city_id={units['33010801']}").status_code == 404
    unit = _text(client.get(f"/compliance/unit/?year=2025&unit_id={units['33010801']}"))
    assert "医院甲" in unit and "王二" in unit
    assert client.get("/compliance/unit/?year=2025").status_code == 302


def test_unit_list_exports_to_excel(client, province):
    units, made = province
    login(client, made["admin_a"].username, PASSWORD)
    token = csrf_from(client.get("/compliance/unit/?year=2025").get_data(as_text=True))
    response = client.post("/exports/unit_compliance.xlsx", data={"csrf_token": token, "year": "2025"})
    assert response.status_code == 200, response.status_code
    rows = [row for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[0] == "人员编号")
    assert rows[header][1:4] == ("姓名", "科室", "职称级别") and len(rows[header]) == 10
    people = {row[1]: row for row in rows[header + 1:] if row[1]}
    assert set(people) == {"甲管理员", "李一", "王二", "赵三"}
    wang = people["王二"]
    assert wang[0] == "A02" and wang[2:4] == ("内科", "初级")
    assert (wang[5], wang[6], wang[7], wang[8]) == (10, 40, 10, 0)
    assert wang[9] == "总学分还差 15.00 分；学时还差 50.0 学时（未载明学时的记录不计学时）"
    assert people["李一"][9] in (None, "") and people["李一"][4] != wang[4]
    # Another unit's admin cannot export this unit.
    other = client.application.test_client()
    login(other, made["admin_b"].username, PASSWORD)
    token = csrf_from(other.get("/compliance/unit/?year=2025").get_data(as_text=True))
    refused = other.post("/exports/unit_compliance.xlsx",
                         data={"csrf_token": token, "year": "2025", "unit_id": str(units["33010801"])})
    assert refused.status_code == 404


def test_the_province_exports_its_cities_and_a_city_s_ranked_units(client, province):
    units, made = province
    login(client, "padmin", PASSWORD)
    token = csrf_from(client.get("/compliance/province/?year=2025").get_data(as_text=True))
    whole = client.post("/exports/area_compliance.xlsx", data={"csrf_token": token, "year": "2025"})
    rows = [r for r in load_workbook(io.BytesIO(whole.data)).active.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[1] == "地市")
    cities = {row[1]: row[2:] for row in rows[header + 1:] if row[1]}
    assert cities["甲市卫健委"] == ("4", "2", "50.0%") and cities["乙市卫健委"] == ("3", "2", "66.7%")
    city = client.post("/exports/area_compliance.xlsx", data={"csrf_token": token, "year": "2025",
                                                              "city_id": str(units["3301"])})
    rows = [r for r in load_workbook(io.BytesIO(city.data)).active.iter_rows(values_only=True)]
    assert any(row[:2] == ("1", "医院甲") for row in rows)
    # Only the province exports areas: a unit admin's request is not found.
    other = client.application.test_client()
    login(other, made["admin_a"].username, PASSWORD)
    token = csrf_from(other.get("/compliance/unit/?year=2025").get_data(as_text=True))
    assert other.post("/exports/area_compliance.xlsx", data={"csrf_token": token, "year": "2025"}).status_code == 404


def test_a_city_s_compliance_counts_everyone_below_it(client, province):
    """The unit filter is hierarchical: 甲市卫健委 (a city) counts the staff of 医院甲, two levels down."""
    units, _made = province
    login(client, "padmin", PASSWORD)
    html = _text(client.get(f"/compliance/unit/?year=2025&unit_id={units['3301']}"))
    assert "在岗人员 4 人，已达标 2 人" in html
