"""The pages rule fidelity changed, in a browser at both sizes: a person's history with the
provincial admin's correction of a past year, the unit tree with tiers and types, the compliance
query with the manual's figure 8 columns, and the entry form's typed issuing body."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e
SIZES = dict(argvalues=[DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)


@pytest.mark.parametrize("page", **SIZES)
def test_province_admin_corrects_a_past_year(users, page):
    users.province_admin()
    township = users.unit("330291", "鄞州区姜山镇卫生院", level="乡镇", tier="乡镇街道", type="卫生院")
    city = users.unit("330201", "宁波市第二医院", level="三级", tier="市")
    person = users.person(township, name="周移", title="医师", title_level="初级")
    sign_in(page, "padmin", PASSWORD)
    page.goto(f"/people/{person.id}")
    page.locator("details summary").click()
    page.fill("#year", "2022")
    page.select_option("#unit_id", str(city))
    page.fill("#reason", "2022年借调市二院")
    with page.expect_navigation():
        page.locator("details button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2022年度的人员状态已更正")
    expect(page.locator("table.table-cards tbody")).to_contain_text("2022年借调市二院")
    expect(page.locator("table.table-cards tbody")).to_contain_text("乡镇街道 · 乡镇 · 卫生院")
    shoot(page, "person-history-corrected")
    if on_phone(page):
        fits_the_phone(page)
    page.goto("/units/")
    expect(page.locator("body")).to_contain_text("市 · 三级 · 医院")
    shoot(page, "unit-tree-tiers")
    if on_phone(page):
        fits_the_phone(page)


@pytest.mark.parametrize("page", **SIZES)
def test_learner_sees_figure_8_and_can_name_an_issuing_body(app, users, page):
    users.province_admin()
    learner = users.person(users.unit("330101", level="二级"), self_entry=True)
    approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "8", "hours": "24"}, "national",
                    name="国家级心血管学习班")
    sign_in(page, learner.username, learner.password)
    page.goto("/compliance/?year=2025")
    headers = page.locator("table[data-records] thead th")
    expect(headers).to_have_text(["日期", "项目编号", "活动名称", "学分类别", "学分子类别", "学科", "举办方式", "学时", "学分",
                                  "学分录入单位"])
    shoot(page, "compliance-figure-8")
    if on_phone(page):
        fits_the_phone(page)
    page.goto("/credits/new/free")
    expect(page.locator("#issuer_name")).to_be_visible()
    shoot(page, "entry-issuer-name")
    if on_phone(page):
        fits_the_phone(page)
