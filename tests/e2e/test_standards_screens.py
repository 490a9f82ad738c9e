"""The rule set editor and 达标标准浏览 in a browser: adding a row, the preview, the learner's
highlighted rule set; screenshots at both sizes, and no sideways scrolling on the phone.
Nothing is saved, so the rule sets stay as they are."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_editor_adds_a_row_and_previews(users, page):
    users.province_admin()
    sign_in(page, "padmin", PASSWORD)
    page.goto("/standards/")
    shoot(page, "standards-list")
    if on_phone(page):
        fits_the_phone(page)
    page.goto("/standards/new")
    expect(page.locator("#cap-rows .repeat-row")).to_have_count(2)
    page.locator("[data-add-row=cap-rows]").click()
    expect(page.locator("#cap-rows .repeat-row")).to_have_count(3)
    expect(page.locator("#caps-2-category_id")).to_be_focused()
    page.select_option("#caps-2-category_id", label="自学综述")
    page.fill("#caps-2-cap", "3")
    page.locator("[data-add-row=multi-year-rows]").click()
    page.fill("#multi_year-2-years", "5")
    page.fill("#multi_year-2-min_credits", "10")
    page.locator("input[name=multi_year-2-nodes][value=national]").check()
    page.fill("#name", "浏览器测试标准")
    page.fill("#valid_from", "2040")
    page.fill("#min_credits", "25")
    with page.expect_navigation():
        page.locator("button[value=preview]").click()
    expect(page.locator("#preview li")).to_contain_text(["25", "自学综述", "10"])
    expect(page.locator("#caps-2-cap")).to_have_value("3")
    shoot(page, "standards-editor")
    if on_phone(page):
        fits_the_phone(page)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_learner_browses_with_their_rule_set_highlighted(users, page):
    learner = users.person(users.unit("330199", level="一级", tier="县区"))
    sign_in(page, learner.username, learner.password)
    page.goto("/standards/browse?year=2022")
    expect(page.locator("article.rule-set.applies")).to_have_count(1)
    expect(page.locator("article.rule-set.applies h3")).to_contain_text("县级及以下")
    shoot(page, "standards-browse")
    if on_phone(page):
        fits_the_phone(page)
