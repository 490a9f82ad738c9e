"""On a phone: a learner submits a free-form record, enters the same activity again and is
warned before anything is saved, confirms it, and the unit admin sees "可能与 #N 重复"; then the
learner withdraws (撤回) the first record before review and it leaves 录入学分查询管理."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.e2e.test_credit_walk import fill_activity, photo

pytestmark = pytest.mark.e2e

NAME = "全省心血管学术年会"


def _enter(page: Page, tmp_path) -> None:
    page.goto("/credits/new/free")
    fill_activity(page, NAME)
    page.select_option("#credit_level", label="省、市级学术年会")
    page.fill("#f-credits", "4")
    page.fill("#f-hours", "12")
    page.set_input_files("#evidence", photo(tmp_path, "meeting.jpg"))
    page.get_by_role("button", name="保存并上报").click()


def test_duplicate_warning_and_withdrawal(users, new_page, tmp_path):
    hospital = users.unit("330101", "杭州市第一人民医院")
    learner = users.person(hospital, name="赵医生", self_entry=True)
    admin = users.person(hospital, role="unit_admin", name="王管理")

    page = new_page(PHONE)
    sign_in(page, learner.username, learner.password)
    _enter(page, tmp_path)
    expect(page.locator("tbody tr", has_text=NAME)).to_have_count(1)
    first = page.locator("tbody tr", has_text=NAME).get_attribute("data-record")

    _enter(page, tmp_path)  # Back, re-pick, submit: the same activity again
    warning = page.locator("[data-duplicate]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"#{first}")
    expect(page.locator(".evidence-item")).to_contain_text("meeting.jpg")  # the upload is kept
    fits_the_phone(page)
    shoot(page, "duplicate-warning")
    mine = page.context.new_page()
    mine.goto("/credits/mine?year=2025")
    expect(mine.locator("tbody tr", has_text=NAME)).to_have_count(1)  # nothing saved yet
    mine.close()
    page.locator("input[name=confirm_duplicate]").check()
    page.get_by_role("button", name="保存并上报").click()
    expect(page.locator("tbody tr", has_text=NAME)).to_have_count(2)

    reviewer = new_page(DESKTOP)
    sign_in(reviewer, admin.username, admin.password)
    reviewer.goto("/review/")
    second = reviewer.locator("tbody tr", has_text=NAME).nth(1)
    expect(second.locator(".duplicate-of")).to_have_text(re.compile(rf"可能与 #{first} 重复"))
    shoot(reviewer, "review-duplicate")

    page.goto(f"/credits/{first}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤回").click()
    expect(page.locator(".alert-success")).to_contain_text("记录已在审核前撤回")
    expect(page.locator(f'tbody tr[data-record="{first}"]')).to_have_count(0)
    expect(page.locator("tbody tr", has_text=NAME)).to_have_count(1)
    fits_the_phone(page)
    shoot(page, "after-withdrawal")
    reviewer.reload()
    expect(reviewer.locator("tbody tr", has_text=NAME)).to_have_count(1)
    expect(reviewer.locator(".duplicate-of")).to_have_count(0)
