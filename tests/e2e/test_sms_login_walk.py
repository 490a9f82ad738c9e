"""外省人员 in a real browser: an out-of-province learner opens the login page, switches to the
second tab, types the ID number and phone, asks for a code (the button then counts down), reads
it from the log sender's outbox file, signs in, lands on 我的学分证书, ticks a record and
downloads its certificate PDF, which names them. On a phone too, with no sideways scroll."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot
from tests.helpers import approved_record, id_number

pytestmark = pytest.mark.e2e

TREE = [
    ("33", "浙江省", "province", None, None),
    ("3301", "杭州市", "city", None, "33"),
    ("330101", "杭州市第一人民医院", "institution", "三级", "3301"),
]
PHONE_NUMBER = "13900001234"
PROJECTS = ("全省急危重症护理新进展学习班", "国家级麻醉学继续教育项目")


def _outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_out_of_province_learner_signs_in_by_sms_and_downloads_a_certificate(app, users, page, tmp_path):
    units = users.units(TREE)
    users.province_admin()
    number = id_number(region="310101", birth="19850612")
    visitor = users.person(units["330101"], name="沈沪生", id_number=number, mobile=PHONE_NUMBER, out_of_province=True)
    for n, (name, level) in enumerate(zip(PROJECTS, ("provincial", "national"), strict=True)):
        approved_record(app, visitor.id, "非向导录入", dt.date(2025, 4 + n, 8), {"credits": str(3 + n), "hours": str(9 + 3 * n)},
                        level, name=name)

    page.goto("/login/")
    page.locator('.login-tabs a[href="/login/sms/"]').click()
    expect(page).to_have_url(re.compile(r"/login/sms/$"))
    expect(page.locator(".login-tabs li.active a")).to_have_attribute("href", "/login/sms/")
    if on_phone(page):
        fits_the_phone(page)
    page.fill("#id_number", number)
    page.fill("#phone", PHONE_NUMBER)
    sent_before = len(_outbox(app))
    with page.expect_navigation():
        page.locator("#send-code").click()
    expect(page.locator("#sms-notice")).to_be_visible()
    expect(page.locator("#send-code")).to_be_disabled()  # counting down to the next code
    expect(page.locator("#send-code")).to_contain_text(re.compile(r"\d+"))
    expect(page.locator("#id_number")).to_have_value(number)  # nothing typed is lost
    shoot(page, "sms-login-code-sent")
    if on_phone(page):
        fits_the_phone(page)

    (message,) = _outbox(app)[sent_before:]
    assert message["phone"] == PHONE_NUMBER
    code = re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]).group(0)
    page.fill("#code", code)
    with page.expect_navigation():
        page.locator("#sms-sign-in").click()
    expect(page).to_have_url(re.compile(r"/out-of-province/$"))
    expect(page.locator(".record-count")).to_have_text("共2条记录")
    for name in PROJECTS:
        expect(page.locator("tbody")).to_contain_text(name)
    # Their page and 退出 only: no other menu entries.
    expect(page.locator('header a[href="/credits/query/"]')).to_have_count(0)
    expect(page.locator('header a[href="/out-of-province/"]')).to_have_count(1)
    shoot(page, "out-of-province-certificates")
    if on_phone(page):
        fits_the_phone(page)

    row = page.locator("tbody tr", has_text=PROJECTS[0])
    row.locator("input[name=record_id]").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出学分证书", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF")
    text = "".join(subprocess.run(["pdftotext", str(saved), "-"], check=True, capture_output=True, text=True).stdout.split())
    assert "沈沪生" in text and PROJECTS[0] in text and PROJECTS[1] not in text
