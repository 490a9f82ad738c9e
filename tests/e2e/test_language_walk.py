"""In the browser, in Chinese: the 发证机构 picker's select2 messages, a record page with every
field and its history in words, and the page of an address that is not there."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.test_credit_api import World, submitted

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_picker_the_record_page_and_errors_speak_chinese(app, users, page):
    world = World(app, users)
    learner = world["learner"]
    record = submitted(app, learner, world.unit)
    sign_in(page, learner.made.username, learner.made.password)

    page.goto("/credits/new/free")
    page.locator("#issuing_unit_id + .select2-container").click()
    expect(page.locator(".select2-results")).to_contain_text("请再输入至少1个字符")
    page.locator(".select2-search__field").fill("不存在的机构")
    expect(page.locator(".select2-results")).to_contain_text("未找到结果")
    page.keyboard.press("Escape")

    page.goto(f"/credits/{record['id']}")
    expect(page.locator("[data-fields]")).to_contain_text("国家级继续医学教育项目")
    expect(page.locator("table")).to_contain_text("审核状态：草稿 → 未审核")
    expect(page.locator("table")).to_contain_text("证明材料：新增 证书.png")
    if on_phone(page):
        fits_the_phone(page)
    shoot(page, "record-in-words")

    page.goto("/credits/999999")
    expect(page.locator("h1")).to_have_text("页面不存在")
    if on_phone(page):
        fits_the_phone(page)
    shoot(page, "not-found")
