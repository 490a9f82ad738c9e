"""The rule set editor and 达标标准浏览 in a browser: adding a row, the preview, the learner's
highlighted rule set; screenshots at both sizes, and no sideways scrolling on the phone.
Nothing is saved, so the rule sets stay as they are."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, PHONE, SCREENSHOTS, horizontal_overflow, sign_in, wide_elements
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e


def _shoot(page: Page, name: str, viewport: tuple[int, int]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport[0]}x{viewport[1]}.png"), full_page=True)
    if viewport == PHONE:
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px; too wide: {wide_elements(page)}"


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_editor_adds_a_row_and_previews(users, page):
    viewport = (page.viewport_size["width"], page.viewport_size["height"])
    users.province_admin()
    sign_in(page, "padmin", PASSWORD)
    page.goto("/standards/")
    _shoot(page, "standards-list", viewport)
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
    _shoot(page, "standards-editor", viewport)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_learner_browses_with_their_rule_set_highlighted(users, page):
    viewport = (page.viewport_size["width"], page.viewport_size["height"])
    learner = users.person(users.unit("330199", level="一级"))
    sign_in(page, learner.username, learner.password)
    page.goto("/standards/browse?year=2022")
    expect(page.locator("article.rule-set.applies")).to_have_count(1)
    expect(page.locator("article.rule-set.applies h3")).to_contain_text("县级及以下")
    _shoot(page, "standards-browse", viewport)
