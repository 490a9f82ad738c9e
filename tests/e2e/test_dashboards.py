"""The compliance dashboards in a browser, on a desktop and on a phone: the unit's rate, charts
(drawn by ECharts) by title level, department and year, and list of staff not compliant yet;
the province's rates per city and a city's units.
Screenshots for a person to look at, and no sideways scrolling on the phone."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record, compute_tallies
from tests.test_dashboards import DAY, TREE, _compliant

pytestmark = pytest.mark.e2e

STAFF = [  # name, title level, department, compliant
    ("李一", "初级", "心血管内科", True), ("王二", "初级", "心血管内科", False), ("赵三", "中级", "急诊科", True),
    ("钱四", "中级", "急诊科", False), ("孙五", "副高", "普外科", True), ("周六", "", "护理部", False),
]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_unit_dashboard(app, users, page):
    hospital = users.units(TREE)["33010801"]
    users.province_admin()
    admin = users.person(hospital, role="unit_admin", name="甲管理员", title_level="副高", department="医务科")
    for name, level, department, compliant in STAFF:
        person = users.person(hospital, name=name, title_level=level, department=department)
        if compliant:
            _compliant(app, person.id)
        else:
            approved_record(app, person.id, "非向导录入", DAY, {"credits": "12.5", "hours": "40"}, "national")

    sign_in(page, admin.username, admin.password)
    page.goto("/compliance/unit/?year=2025")
    expect(page.locator("#unit-rate .headline-number")).to_have_text("42.9%")  # 3 of 7
    # Drawn by ECharts (SVG), each bar labelled with its figures; the same figures as text for screen readers.
    expect(page.locator("#by-title.drawn .chart svg")).to_have_count(1)
    expect(page.locator("#by-title .chart svg")).to_contain_text("1/2 (50.0%)")
    expect(page.locator("#by-title .bar-figures")).to_have_count(4)  # 初级, 中级, 副高, 未填
    expect(page.locator("#by-title .bar-figures").first).to_have_text("1/2 (50.0%)")
    expect(page.locator("#by-department .bar-figures")).to_have_count(5)
    expect(page.locator("#trend.drawn .chart svg")).to_contain_text("42.9%")
    expect(page.locator("#trend .bar-figures").last).to_have_text("3/7 (42.9%)")
    expect(page.locator("#trend .bar-label")).to_have_count(5)
    expect(page.locator("table.table-cards tbody tr")).to_have_count(4)
    expect(page.locator("table.table-cards tbody")).to_contain_text("王二")
    shoot(page, "unit-dashboard")
    if on_phone(page):
        fits_the_phone(page)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_provincial_dashboard(app, users, page):
    units = users.units(TREE)
    users.province_admin()
    for n, unit in enumerate(("33010801", "33010801", "330201", "3399")):
        person = users.person(units[unit], name=f"人员{n}")
        if n % 2 == 0:
            _compliant(app, person.id)

    compute_tallies(app, range(2021, dt.date.today().year + 1))  # what the provincial pages read
    sign_in(page, "padmin", PASSWORD)
    page.goto("/compliance/province/?year=2025")
    expect(page.locator("#total-rate .headline-number")).to_have_text("50.0%")
    expect(page.locator("#computed-at")).to_contain_text("统计于")
    expect(page.locator("#failing-card")).to_contain_text("未达标")
    expect(page.locator("#by-group.drawn .chart svg")).to_contain_text("1/2 (50.0%)")
    expect(page.locator("#by-group .bar-figures")).to_have_count(3)
    shoot(page, "province-dashboard")
    if on_phone(page):
        fits_the_phone(page)
    page.locator("#groups a", has_text="甲市卫健委").click()
    expect(page.locator("#groups tbody tr")).to_have_count(1)
    shoot(page, "province-dashboard-city")
    if on_phone(page):
        fits_the_phone(page)
    page.locator("#groups a", has_text="医院甲").click()
    expect(page.locator("#unit-rate .headline-number")).to_have_text("50.0%")
    expect(page.locator("#unit-rate #computed-at")).to_contain_text("统计于")  # the stored verdicts
    shoot(page, "province-dashboard-unit")
