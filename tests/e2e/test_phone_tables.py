"""The lists a learner uses, on a 375 px phone and a 1366 px desktop: 学分情况查询 (tick a record
and export its certificate without sideways scrolling), 达标情况查询, 录入学分查询管理 and the
登记表 page show every field inside the screen; on the desktop no date and no short header
breaks over two lines."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, PHONE, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e

LONG_NAME = "浙江省基层医疗卫生机构急危重症患者识别与院前急救能力提升培训班"
PAGES = {"credit-query": "/credits/query/?from=2025-01-01&to=2025-12-31", "compliance": "/compliance/?year=2025",
         "my-credits": "/credits/mine?year=2025",
         "registration-form": "/forms/registration/?year=2025"}


@pytest.fixture
def learner(app, users):
    users.province_admin()
    made = users.person(users.unit("330101", level="二级", name="杭州市第一人民医院"), self_entry=True, name="王小明")
    for n, (name, level) in enumerate(((LONG_NAME, "national"), ("市级护理进展", "city"))):
        approved_record(app, made.id, "非向导录入", dt.date(2025, 3 + n, 18), {"credits": "3.25", "hours": "12"}, level,
                        name=name)
    return made


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1], f"{page.url}: the page is {widths[0]}px wide in a {widths[1]}px window"


def _everything_inside(page: Page, selector: str) -> None:
    """Every cell of the list is inside the window, and no box scrolls sideways within the page."""
    outside = page.evaluate("""(selector) => {
        const out = [];
        for (const el of document.querySelectorAll(selector)) {
            const r = el.getBoundingClientRect();
            if (r.width && (r.left < -0.5 || r.right > document.documentElement.clientWidth + 0.5)) {
                out.push(`${el.dataset.label || el.tagName}: ${Math.round(r.left)}..${Math.round(r.right)}`);
            }
            if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
                out.push(`${el.dataset.label || el.tagName} clips ${el.scrollWidth - el.clientWidth}px`);
            }
        }
        for (const box of document.querySelectorAll('body *')) {
            if (box.scrollWidth > box.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
                out.push(`${box.className || box.tagName} scrolls sideways by ${box.scrollWidth - box.clientWidth}px`);
            }
        }
        return out;
    }""", selector)
    assert not outside, f"{page.url}: {outside}"


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_a_phone_ticks_a_record_and_exports_its_certificate(page, learner, tmp_path):
    sign_in(page, learner.username, PASSWORD)
    page.goto("/credits/query/?from=2025-01-01&to=2025-12-31&status=approved")
    expect(page.locator(".record-count")).to_have_text("共2条记录")
    tick = page.locator("td.tick input[name=record_id]").first
    tick.scroll_into_view_if_needed()
    box = tick.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], f"the tick box is at {box}"
    _no_sideways_scroll(page)
    _everything_inside(page, ".table-cards td")
    shoot(page, "phone-credit-query")
    tick.check()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出学分证书", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    _no_sideways_scroll(page)


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_the_learners_lists_fit_a_phone(page, learner):
    sign_in(page, learner.username, PASSWORD)
    for name, url in PAGES.items():
        page.goto(url)
        _no_sideways_scroll(page)
        _everything_inside(page, ".portal-main td, .portal-main th")
        shoot(page, f"phone-{name}")
    with page.expect_navigation():
        page.get_by_role("button", name="详细情况并打印").click()
    expect(page.locator("table.records")).to_contain_text(LONG_NAME)
    _no_sideways_scroll(page)
    _everything_inside(page, "table td, table th")
    expect(page.locator("table.records td[data-label=学分]").first).to_be_in_viewport()
    shoot(page, "phone-registration-form-page")


@pytest.mark.parametrize("page", [DESKTOP], indirect=True, ids=["desktop"])
def test_dates_and_short_headers_keep_to_one_line_on_a_desktop(page, learner):
    sign_in(page, learner.username, PASSWORD)
    for name, url in PAGES.items():
        page.goto(url)
        broken = page.evaluate("""() => {
            const out = [];
            const oneLine = (el) => {  // the text's own height, not the row's
                const range = document.createRange();
                range.selectNodeContents(el);
                return range.getBoundingClientRect().height < 1.6 * parseFloat(getComputedStyle(el).lineHeight);
            };
            for (const cell of document.querySelectorAll('.portal-main th, .portal-main td')) {
                const text = cell.innerText.trim();
                const date = /^\\d{4}-\\d{2}-\\d{2}$/.test(text);
                const shortHeader = cell.tagName === 'TH' && text.length > 0 && text.length <= 6;
                if ((date || shortHeader) && !oneLine(cell)) out.push(text);
            }
            return out;
        }""")
        assert not broken, f"{url}: broken over lines: {broken}"
        shoot(page, f"desktop-{name}")
