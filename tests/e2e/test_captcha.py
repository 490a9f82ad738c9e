"""The login page's 换一张 button: a new picture, an empty code field, and the new code works."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import LOGIN_URL
from tests.helpers import CAPTCHA

pytestmark = pytest.mark.e2e

LOADED = "() => { const i = document.getElementById('captcha-image'); return i.complete && i.naturalWidth > 0; }"


def test_show_another_picture_loads_a_new_captcha(page, users):
    learner = users.person(users.unit("330101"))
    page.goto("/login/")
    image = page.locator("#captcha-image")
    page.wait_for_function(LOADED)
    first_src = image.get_attribute("src")
    page.fill("#captcha", "ABCD")

    with page.expect_response(lambda r: "/login/captcha.png" in r.url) as fetched:
        page.locator("#captcha-refresh").click()
    assert fetched.value.status == 200
    assert fetched.value.headers["content-type"] == "image/png"
    new_src = image.get_attribute("src")
    assert new_src != first_src
    assert re.search(r"/login/captcha\.png\?t=\d+$", new_src)
    page.wait_for_function(LOADED)
    expect(page.locator("#captcha")).to_have_value("")
    expect(page.locator("#captcha")).to_be_focused()

    # Twice in a row gives yet another address (the browser cannot answer from its cache).
    with page.expect_response(lambda r: "/login/captcha.png" in r.url):
        page.locator("#captcha-refresh").click()
    expect(image).not_to_have_attribute("src", new_src)
    page.wait_for_function(LOADED)

    # The code of the picture now shown is the one that signs in.
    page.fill("#username", learner.username)
    page.fill("#password", learner.password)
    page.fill("#captcha", CAPTCHA.lower())  # not case-sensitive, as the page says
    page.locator("form[name=login] button[type=submit]").click()
    expect(page).not_to_have_url(LOGIN_URL)
    expect(page.locator("h1.page-title")).to_contain_text("张三")
