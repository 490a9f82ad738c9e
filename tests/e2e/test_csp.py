"""The main pages of each role work under the Content-Security-Policy (issue 17, item 11): the
browser reports no violation on any of them, and the inline scripts that carry the response's
nonce still run (the captcha's refresh button)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import sign_in
from tests.test_review_pages import submitted

pytestmark = pytest.mark.e2e

LEARNER = ["/", "/profile/", "/credits/new/free", "/credits/wizard", "/credits/mine", "/credits/query",
           "/account/password/"]
UNIT_ADMIN = ["/", "/people/", "/people/new", "/review/", "/compliance/unit/"]
PROVINCE = ["/", "/units/", "/units/manage/list/", "/categories/", "/dictionaries/list/", "/standards/",
            "/compliance/province/"]


def watch(page: Page) -> list[str]:
    """The CSP violations the browser reports on this page, as they happen."""
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation',
        e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))""")
    return violations


def visit(page: Page, violations: list[str], paths: list[str]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        assert "nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert violations == [], (path, violations)


def test_every_roles_main_pages_run_without_a_csp_violation(app, users, new_page):
    unit = users.unit("330101", "杭州市第一人民医院")
    learner = users.person(unit, self_entry=True, name="赵小燕")
    admin = users.person(unit, role="unit_admin", name="王管理")
    province = users.province_admin()
    record_id, _ = submitted(app, learner, "心血管学习班")

    visitor = new_page()
    seen = watch(visitor)
    visitor.goto("/login/")
    visitor.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    before = visitor.locator("#captcha-image").get_attribute("src")
    visitor.locator("#captcha-refresh").click()  # an inline script with the nonce
    expect(visitor.locator("#captcha-image")).not_to_have_attribute("src", before)
    assert seen == []

    for made, paths in ((learner, [*LEARNER, f"/credits/{record_id}"]),
                        (admin, [*UNIT_ADMIN, f"/review/{record_id}"]), (province, PROVINCE)):
        page = new_page()
        violations = watch(page)
        sign_in(page, made.username, made.password)
        visit(page, violations, paths)
