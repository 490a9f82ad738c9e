"""A transfer in the browser, on a desktop and on a phone: the receiving unit's admin asks for a
person by ID number, the releasing unit's admin approves it, and the person is on the new list."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, on_phone, shoot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_unit_asks_for_a_person_and_the_other_lets_them_go(app, users, new_page, viewport):
    users.province_admin()
    hangzhou, ningbo = users.unit("330101", name="杭州市第一医院"), users.unit("330201", name="宁波市第二医院")
    releasing = users.person(hangzhou, role="unit_admin", name="杭州管理员")
    receiving = users.person(ningbo, role="unit_admin", name="宁波管理员")
    mover = users.person(hangzhou, name="周医生")

    asker = new_page(viewport)
    sign_in(asker, receiving.username, receiving.password)
    asker.goto("/transfers/")
    asker.fill("#id_number", mover.id_number)
    asker.fill("#note", "人才引进")
    asker.get_by_role("button", name="申请调入").click()
    expect(asker.locator(".alert-success")).to_contain_text("已申请将周医生从“杭州市第一医院”调入")
    shoot(asker, "transfer-asked")
    if on_phone(asker):
        fits_the_phone(asker)

    decider = new_page(viewport)
    sign_in(decider, releasing.username, releasing.password)
    decider.goto("/transfers/")
    expect(decider.locator("#to-decide + table, table[aria-describedby=to-decide]")).to_contain_text("周医生")
    shoot(decider, "transfer-to-decide")
    if on_phone(decider):
        fits_the_phone(decider)
    decider.once("dialog", lambda dialog: dialog.accept())
    decider.get_by_role("button", name="同意调出", exact=True).click()
    expect(decider.locator(".alert-success")).to_contain_text("周医生已调入“宁波市第二医院”")

    asker.goto("/people/")
    expect(asker.locator("table")).to_contain_text("周医生")
