"""A unit admin reveals a staff member's full ID and mobile numbers in the browser, on a desktop and
on a phone: masked until the button beside them is pressed, then shown in place, and in the
audit trail."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in
from tests.helpers import id_number

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_admin_reveals_one_value_at_a_time_and_it_is_audited(app, users, new_page, viewport):
    unit = users.unit("330101", name="杭州市第一医院")
    admin = users.person(unit, role="unit_admin", name="杭州管理员")
    number = id_number(region="330102", birth="19820304", seq=55)
    person = users.person(unit, name="钱多多", id_number=number, mobile="13812345678")
    page = new_page(viewport)
    sign_in(page, admin.username, admin.password)

    page.goto("/people/")
    row = page.locator("tr", has_text="钱多多")
    expect(row).not_to_contain_text(number)
    shoot(page, "reveal-staff-list")
    if on_phone(page):
        fits_the_phone(page)
    row.get_by_role("button", name="查看").click()
    expect(row).to_contain_text(number)
    expect(page).to_have_url(page.url)          # shown in place: the list did not reload

    page.goto(f"/people/{person.id}")
    id_box, mobile_box = page.locator("dd[data-field=id_number]"), page.locator("dd[data-field=mobile]")
    expect(id_box).not_to_contain_text(number)
    expect(mobile_box).to_contain_text("138****5678")
    shoot(page, "reveal-person-masked")
    mobile_box.get_by_role("button", name="查看").click()
    expect(mobile_box.locator(".field-value")).to_have_text("13812345678")
    expect(mobile_box.get_by_role("button")).to_have_count(0)
    expect(id_box.locator(".field-value")).not_to_contain_text(number)   # one value at a time
    shoot(page, "reveal-person-mobile-shown")
    if on_phone(page):
        fits_the_phone(page)

    page.goto("/audit/?action=personal_data_reveal")
    expect(page.locator("table")).to_contain_text("查看完整个人信息")
    expect(page.locator("table")).to_contain_text("手机")
    shoot(page, "reveal-audit")
