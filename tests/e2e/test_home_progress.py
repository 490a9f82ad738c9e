"""The home page tells a learner with approved, pending and draft records where they stand this
year, on a desktop and on a phone: each requirement with its bar, what awaits review, what is
missing in words and the year's last day."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import PASSWORD
from tests.test_where_i_stand import learner  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_home_page_shows_this_years_progress(page, learner):  # noqa: F811
    sign_in(page, learner.username, PASSWORD)
    card = page.locator("[data-progress]")
    expect(card.locator(".verdict-result")).to_have_text("不达标")
    total = card.locator("[data-requirement=total]")
    expect(total).to_contain_text("已审核通过 12.00 / 需 25.00")
    expect(total).to_contain_text("待审核 4")
    assert total.locator("progress").evaluate("p => p.value / p.max") == pytest.approx(12 / 25)
    expect(card.locator("[data-missing]")).to_contain_text("总学分还差 13.00 分")
    expect(card.locator("[data-waiting]")).to_contain_text("1 条记录（4.00 学分）待审核")
    expect(card.locator("[data-waiting]")).to_contain_text("1 条草稿或审核不通过的记录（2.00 学分）尚未上报")
    expect(card.locator("[data-deadline]")).to_contain_text(f"{dt.date.today().year}-12-31")
    if on_phone(page):
        fits_the_phone(page)
    shoot(page, "home-progress")
