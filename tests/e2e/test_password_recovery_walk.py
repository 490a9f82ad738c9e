"""找回账户密码 on a phone and a desktop: from the login page's link, a learner asks for a code with their ID
number and mobile number, reads it from the log sender's outbox, sets a new password, is sent
back to the login page with their username, and signs in with the new password."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot
from tests.helpers import CAPTCHA, id_number

pytestmark = pytest.mark.e2e

MOBILE = "13900007777"
NEW = "Quiet-harbour-lantern-9"


def _outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_learner_recovers_the_password_by_sms(app, users, page):
    number = id_number(seq=321)
    learner = users.person(users.unit("330101"), name="周找回", id_number=number, mobile=MOBILE)
    page.goto("/login/")
    page.locator("#recover-link").click()
    expect(page).to_have_url(re.compile(r"/account/recover/$"))
    expect(page.locator("h1")).to_have_text("找回账户密码")
    if on_phone(page):
        fits_the_phone(page)
    page.fill("#id_number", number)
    page.fill("#phone", MOBILE)
    before = len(_outbox(app))
    with page.expect_navigation():
        page.locator("#send-code").click()
    expect(page.locator("#recovery-notice")).to_be_visible()
    expect(page.locator("#send-code")).to_be_disabled()
    shoot(page, "password-recovery-code-sent")
    if on_phone(page):
        fits_the_phone(page)
    (message,) = _outbox(app)[before:]
    assert message["phone"] == MOBILE
    code = re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]).group(0)
    page.fill("#code", code)
    page.fill("#new_password", NEW)
    page.fill("#confirm", NEW)
    with page.expect_navigation():
        page.locator("#recovery-submit").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator(".alert-success")).to_contain_text(learner.username)
    shoot(page, "password-recovery-done")
    if on_phone(page):
        fits_the_phone(page)
    page.fill("#username", learner.username)
    page.fill("#password", NEW)
    page.fill("#captcha", CAPTCHA)
    with page.expect_navigation():
        page.locator("form[name=login] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
