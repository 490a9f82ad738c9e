"""学分情况查询 and 达标情况查询 in a real browser: the learner filters their records, sees the
totals line, downloads the Excel file and reads it back; then opens the compliance page with its
verdict, shortfall and 各类学分汇总 tree, on a desktop and on a phone."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e


def test_learner_queries_credits_and_compliance(app, users, new_page, tmp_path):
    users.province_admin()
    learner = users.person(users.unit("330101", level="二级", name="第一人民医院"), self_entry=True, name="王小明")
    approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "8", "hours": "24"}, "national",
                    name="国家级心血管学习班")
    approved_record(app, learner.id, "非向导录入", dt.date(2025, 5, 1), {"credits": "12.5", "hours": "60"}, "city",
                    name="市级急救培训")

    page = new_page(DESKTOP)
    sign_in(page, learner.username, PASSWORD)
    page.goto("/credits/query/")
    page.fill("#from", "2025-01-01")
    page.fill("#to", "2025-12-31")
    page.select_option("#status", "approved")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.locator(".record-count")).to_have_text("共2条记录")
    totals = page.locator("[data-totals]")
    expect(totals).to_contain_text("总学分 20.50")
    expect(totals).to_contain_text("I类学分 8.00")
    shoot(page, "credit-query")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "学分情况查询_王小明.xlsx"
    sheet = load_workbook(saved).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["日期", "项目编号", "活动名称"]
    assert [row[2] for row in values[1:3]] == ["国家级心血管学习班", "市级急救培训"]
    assert values[3][8] == 20.5  # the totals row's credits

    page.goto("/compliance/?year=2025")
    verdict = page.locator("[data-verdict]")
    expect(verdict.locator(".verdict-result")).to_have_text("不达标")
    expect(verdict.locator("[data-shortfalls]")).to_contain_text("总学分还差 4.50 分")
    expect(verdict.locator("[data-shortfalls]")).to_contain_text("学时还差 6.0 学时")
    tree = page.locator("[data-summary-tree]")
    expect(tree.locator("tr", has_text="国家级继续医学教育项目")).to_contain_text("8.00")
    expect(tree.locator("tr", has_text="市级继续医学教育项目")).to_contain_text("12.50")
    expect(tree.locator("tr").nth(1)).to_contain_text("20.50")  # 总学分, the first row under the header
    shoot(page, "compliance")

    phone = new_page(PHONE)
    sign_in(phone, learner.username, PASSWORD)
    phone.goto("/compliance/?year=2025")
    expect(phone.locator(".verdict-result")).to_have_text("不达标")
    fits_the_phone(phone)
    shoot(phone, "compliance")
    phone.goto("/credits/query/?status=approved")
    fits_the_phone(phone)
    shoot(phone, "credit-query")
