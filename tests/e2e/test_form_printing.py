"""打印学分登记表 and 多年度学分验证表 in a real browser: the learner picks a year from the menu,
opens 详细情况并打印 and prints (the print dialog is replaced by a counter; the print rendering
hides the toolbar and keeps the form); on a phone the form page does not scroll sideways;
then ticks two years and downloads the verification table's PDF."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e

TREE = [
    ("33", "浙江省", "province", None, None),
    ("3301", "杭州市", "city", None, "33"),
    ("330101", "第一人民医院", "institution", "二级", "3301"),
]


@pytest.fixture
def learner(app, users):
    units = users.units(TREE)
    users.province_admin()
    learner = users.person(units["330101"], name="王小明", department="急诊科", title="主管护师", title_level="中级")
    approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "10", "hours": "30"}, "national",
                    name="国家级急救学习班")
    # 2024 (transitional rules): 5 I类 + 20 II类 = 25 → 达标.
    approved_record(app, learner.id, "非向导录入", dt.date(2024, 5, 1), {"credits": "5", "hours": "15"}, "national",
                    name="国家级护理管理班")
    approved_record(app, learner.id, "非向导录入", dt.date(2024, 6, 1), {"credits": "20", "hours": "60"}, "city",
                    name="市级护理进展")
    return learner


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_learner_prints_the_registration_form(new_page, learner, viewport):
    page = new_page(viewport)
    sign_in(page, learner.username, PASSWORD)
    page.goto("/forms/registration/")
    page.select_option("#year", "2025")
    page.get_by_role("button", name="查询").click()
    line = page.locator("[data-person-line]")
    expect(line).to_contain_text("王小明")
    expect(line).to_contain_text("急诊科")
    fits_the_phone(page)
    shoot(page, "registration-form-choose")

    page.get_by_role("button", name="详细情况并打印").click()
    expect(page.locator("h1")).to_have_text("浙江省继续医学教育学分登记表")
    sheet = page.locator(".sheet")
    expect(sheet).to_contain_text("国家级急救学习班")
    expect(sheet).to_contain_text("不达标")
    expect(sheet.locator("svg")).to_have_count(1)  # the QR code
    fits_the_phone(page)
    shoot(page, "registration-form-page")

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    expect(sheet).to_be_visible()
    page.emulate_media(media="screen")


def test_learner_downloads_the_verification_table(page, learner, tmp_path):
    sign_in(page, learner.username, PASSWORD)
    page.goto("/forms/verification/")
    page.get_by_label("2024").check()
    page.get_by_label("2025").check()
    shoot(page, "verification-table-choose")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("多年度学分验证表YZ-") and saved.suffix == ".pdf"
    text = "".join(subprocess.run(["pdftotext", str(saved), "-"], check=True, capture_output=True, text=True).stdout.split())
    for expected in ("多年度学分验证表", "王小明", "2024年1月1日至2024年12月31日", "2025年1月1日至2025年12月31日",
                     "达标", "不达标"):
        assert expected in text, expected
    # The form is listed with the others, for the owner.
    page.goto("/forms/verification/")
    expect(page.locator("[data-issued]")).to_contain_text(saved.stem.removeprefix("多年度学分验证表"))
