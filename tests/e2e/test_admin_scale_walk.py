"""Administration at scale in a real browser, on a desktop and on a phone: a unit admin imports a
staff file with a bad row, sees the row named, fixes it, imports it and grants every imported
person self-entry in one action ("select all matching"); the province approves a unit's only
admin's own record from its queue; a unit admin enters a record on a staff member's behalf (代录)
and another admin of the unit approves it."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.e2e.test_credit_walk import photo
from tests.helpers import PASSWORD
from tests.test_review_pages import submitted
from tests.test_staff_import import HEADERS, _number

pytestmark = pytest.mark.e2e
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
STAFF = 24  # more than one page of the staff list (20 a page)


def staff_file(bad_row: bool) -> dict:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for i in range(STAFF):
        mobile = "12345" if bad_row and i == 6 else f"139{i:08d}"
        sheet.append([f"新员工{i:02d}", _number(i + 500), "", mobile, "内科", "主治医师", "中级"])
    out = io.BytesIO()
    book.save(out)
    return {"name": "staff.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": out.getvalue()}


def check(page: Page, name: str) -> None:
    shoot(page, name)
    if on_phone(page):
        fits_the_phone(page)


@VIEWPORTS
def test_import_with_a_bad_row_then_grant_everyone_imported(users, new_page, viewport):
    unit = users.unit("330101", name="杭州市第一医院")
    admin = users.person(unit, role="unit_admin", name="管理员")
    page = new_page(viewport)
    sign_in(page, admin.username, admin.password)
    page.goto("/people/import/")
    page.set_input_files("#file", staff_file(bad_row=True))
    page.get_by_role("button", name="检查文件").click()
    problems = page.locator("#import-problems + table")
    expect(page.locator("#import-problems")).to_contain_text("未导入任何数据")
    expect(problems).to_contain_text("8")  # the 7th person is row 8 of the sheet, under the header
    expect(problems).to_contain_text("手机")
    check(page, "scale-import-bad-row")

    page.set_input_files("#file", staff_file(bad_row=False))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#import-ready")).to_contain_text(f"全部 {STAFF} 行检查通过")
    page.get_by_role("button", name=f"导入 {STAFF} 人").click()
    expect(page.locator("#import-done")).to_contain_text(f"{STAFF}")

    page.goto("/people/?q=新员工")
    expect(page.locator(".record-count")).to_contain_text(f"{STAFF}")
    page.locator("#all-matching input").check()
    check(page, "scale-staff-select-all")
    page.get_by_role("button", name="为勾选人员开通自主录入").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已为 {STAFF} 人开通")
    page.goto("/people/?q=新员工&page=2")
    expect(page.locator("table")).not_to_contain_text("未开通")


@VIEWPORTS
def test_the_province_approves_a_unit_admins_own_record(app, users, new_page, viewport):
    unit = users.unit("330101", name="独立卫生院")
    admin = users.person(unit, role="unit_admin", self_entry=True, name="唯一管理员")
    users.province_admin()
    record_id, _ = submitted(app, admin, "管理员本人的学习班")

    learner = new_page(viewport)
    sign_in(learner, admin.username, admin.password)
    learner.goto(f"/credits/{record_id}")
    expect(learner.locator("[data-reviewer]")).to_contain_text("审核人：省级管理员")
    check(learner, "scale-own-record-goes-to-province")

    province = new_page(viewport)
    sign_in(province, "padmin", PASSWORD)
    province.goto("/review/backlog")
    expect(province.locator("#backlog")).to_contain_text("独立卫生院")
    check(province, "scale-review-backlog")
    province.locator("#backlog").get_by_role("link", name="1").click()
    expect(province.locator("#batch table")).to_contain_text("管理员本人的学习班")
    check(province, "scale-province-queue")
    province.get_by_role("link", name="管理员本人的学习班").click()
    province.get_by_role("button", name="审核通过", exact=True).click()
    expect(province.locator(".alert-success")).to_contain_text("1 条记录审核通过")


@VIEWPORTS
def test_a_unit_admin_proxy_enters_and_another_admin_approves(users, new_page, viewport, tmp_path):
    unit = users.unit("330101", name="杭州市第一医院")
    enterer = users.person(unit, role="unit_admin", name="录入管理员")
    second = users.person(unit, role="unit_admin", name="审核管理员")
    staff = users.person(unit, name="未开通员工")

    page = new_page(viewport)
    sign_in(page, enterer.username, enterer.password)
    page.goto(f"/people/{staff.id}")
    page.get_by_role("link", name="代录学分（非向导录入）").click()
    expect(page.locator("[data-on-behalf]")).to_contain_text("代录：为 未开通员工")
    page.fill("#activity_name", "代录：省护理年会")
    page.fill("#activity_date", "2025-04-10")
    page.select_option("#credit_level", label="省、市级学术年会")
    page.select_option("#discipline", label="护理学")
    page.select_option("#sub_discipline", label="内科护理")
    page.fill("#issuer_name", "省护理学会")
    page.fill("#f-credits", "3")
    page.fill("#f-hours", "9")
    page.set_input_files("#evidence", photo(tmp_path))
    check(page, "scale-proxy-entry")
    page.get_by_role("button", name="保存并上报").click()
    expect(page.locator("[data-entered-by]")).to_contain_text("代录：录入管理员")
    expect(page.locator("[data-reviewer]")).to_contain_text("审核管理员")
    check(page, "scale-proxy-record")
    page.goto("/review/")
    expect(page.locator("#batch")).not_to_contain_text("代录：省护理年会")

    reviewer = new_page(viewport)
    sign_in(reviewer, second.username, second.password)
    reviewer.goto("/review/")
    expect(reviewer.locator("#batch table")).to_contain_text("代录：录入管理员")
    check(reviewer, "scale-proxy-in-queue")
    reviewer.get_by_role("link", name="代录：省护理年会").click()
    reviewer.get_by_role("button", name="审核通过", exact=True).click()
    expect(reviewer.locator(".alert-success")).to_contain_text("1 条记录审核通过")
