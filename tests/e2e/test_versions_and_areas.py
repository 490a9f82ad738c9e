"""Rule-set versions and the figures above unit level in a browser, on a desktop and on a phone:
the provincial admin edits the 2024 rules from a date in the past, reads the versions page,
re-judges the closed year after its dry run; the provincial dashboard's five-year trend (drawn by
ECharts), unit ranking and city → county filter. Screenshots to look at; no sideways scrolling."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record, compute_tallies
from tests.test_dashboards import DAY, TREE, _compliant

pytestmark = pytest.mark.e2e

NATIONAL_2024 = "2024年全国继续医学教育学分标准"


def _check(page, name: str) -> None:
    shoot(page, name)
    if on_phone(page):
        fits_the_phone(page)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_a_new_version_from_a_past_date_and_re_judging_the_closed_year(app, users, page, restore_rule_sets):
    hospital = users.unit("330102", level="二级")
    users.province_admin()
    learner = users.person(hospital, self_entry=True)
    approved_record(app, learner.id, "非向导录入", DAY, {"credits": "20", "hours": "60"}, "city")

    sign_in(page, "padmin", PASSWORD)
    page.goto("/standards/")
    page.locator("tr", has_text=NATIONAL_2024).get_by_role("link", name="编辑").click()
    expect(page.locator("#effective_from")).to_have_value(f"{dt.date.today().year + 1}-01-01")
    page.fill("#min_credits", "20")
    page.fill("#min_hours", "0")
    page.fill("#effective_from", "2025-01-01")
    with page.expect_navigation():
        page.locator("button[value=save]").click()
    expect(page.locator(".alert-success")).to_contain_text("第2版")

    page.goto("/standards/browse?year=2025")
    page.locator("article", has_text=NATIONAL_2024).get_by_role("link", name="版本记录").click()
    expect(page.locator("#version-2 .version-changes")).to_contain_text("每年至少 20.00 学分")
    expect(page.locator("#version-2 del")).to_contain_text(["每年至少 25.00 学分"])
    _check(page, "standards-versions")

    page.goto("/standards/years")
    row = page.locator("#judged-years tr[data-year='2025']")
    expect(row).to_contain_text("已有更新的版本生效")
    _check(page, "standards-years")
    row.get_by_role("link", name="重新判定").click()
    expect(page.locator("#rejudge-count .headline-number")).to_have_text("1")
    _check(page, "standards-rejudge")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="按以上版本重新判定2025年度").click()
    expect(page.locator(".alert-success")).to_contain_text("1人的达标结论改变")
    expect(page.locator("#judged-years tr[data-year='2025']")).not_to_contain_text("已有更新的版本生效")

    page.goto(f"/compliance/?year=2025&person_id={learner.id}")
    expect(page.locator(".judged-with")).to_have_text(f"按《{NATIONAL_2024}》第2版（2025-01-01起）判定")


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_provincial_trend_ranking_and_city_county_filter(app, users, page):
    units = users.units(TREE)
    users.province_admin()
    for n, unit in enumerate(("33010801", "33010801", "330201", "330201", "3399")):
        person = users.person(units[unit], name=f"人员{n}")
        if n in (0, 2, 3):
            _compliant(app, person.id)

    compute_tallies(app, range(2021, dt.date.today().year + 1))  # what the provincial pages read
    sign_in(page, "padmin", PASSWORD)
    page.goto(f"/compliance/province/?year={dt.date.today().year}")
    expect(page.locator("#trend.drawn .chart svg")).to_have_count(1)
    expect(page.locator("#trend .trend-table tbody tr")).to_have_count(3)  # 全省, 甲市, 乙市
    expect(page.locator("#trend .trend-table tbody tr").first).to_contain_text("3/5 (60.0%)")
    expect(page.locator("#computed-at")).to_contain_text("统计于")
    _check(page, "province-trend")

    page.goto("/compliance/province/?year=2025")
    expect(page.locator("#unit-ranking tbody tr")).to_have_count(3)
    expect(page.locator("#unit-ranking tbody tr").first).to_contain_text("医院乙")
    page.get_by_role("link", name="达标率从低到高").click()
    expect(page.locator("#unit-ranking tbody tr").first).to_contain_text("省直医院")
    page.select_option("#city_id", label="甲市卫健委")
    with page.expect_navigation():
        page.locator("#area-filters button[type=submit]").click()
    page.select_option("#county_id", label="甲市某县卫健局")
    with page.expect_navigation():
        page.locator("#area-filters button[type=submit]").click()
    expect(page.locator(".breadcrumb")).to_contain_text("甲市某县卫健局")
    expect(page.locator("#unit-ranking tbody tr")).to_have_count(1)
    expect(page.locator("#total-rate .headline-number")).to_have_text("50.0%")
    _check(page, "province-county")
