"""The account walk in a real browser: a unit admin creates a member of staff and grants
self-entry, the new learner signs in with the initial password, must change it, sees and edits
their own profile, and another unit's admin cannot open that person at all."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DESKTOP, sign_in
from tests.helpers import id_number

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Blue-heron-42x"
MASKED_ID = re.compile(r"^330\*{11}[0-9]{3}[0-9X]$")


def test_unit_admin_creates_learner_who_signs_in_and_edits_profile(new_page, users):
    home_unit = users.unit("330101", name="杭州市第一人民医院")
    other_unit = users.unit("330102", name="杭州市第二人民医院")
    admin = users.person(home_unit, role="unit_admin", name="王管理")
    stranger = users.person(other_unit, role="unit_admin", name="李管理")
    number = id_number(birth="19850315")

    # --- The unit admin signs in and opens 人员管理 from the menu.
    page = new_page()
    sign_in(page, admin.username, admin.password)
    page.locator('header a[href="/people/"]').first.click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator("tbody tr")).to_have_count(1)  # only the admin so far

    # --- 新增: name, ID number, mobile.
    page.locator('a[href="/people/new"]').click()
    expect(page).to_have_url(re.compile(r"/people/new$"))
    page.fill("#name", "赵小燕")
    page.fill("#id_number", number)
    page.fill("#mobile", "13800001111")
    page.locator("form.card button[type=submit]").click()

    # --- The initial password is shown, once.
    password_box = page.locator("#initial-password")
    expect(password_box).to_be_visible()
    initial_password = password_box.inner_text().strip()
    username = page.locator("#new-username").inner_text().strip()
    assert len(initial_password) >= 8 and username
    page.locator(".card a.btn-primary").click()  # 完成 → the person's page
    expect(page.locator("h1.page-title")).to_have_text("赵小燕")
    person_id = int(re.search(r"/people/(\d+)$", page.url).group(1))
    assert initial_password not in page.content()

    # --- Back in the list: the ID number is masked (beside its reveal button); tick the new person
    # and grant self-entry.
    page.locator('header a[href="/people/"]').first.click()
    row = page.locator("tbody tr", has=page.locator(f'input[name=person_id][value="{person_id}"]'))
    expect(row).to_have_count(1)
    id_cell = row.locator("td").nth(4)
    expect(id_cell.locator(".field-value")).to_have_text(MASKED_ID)
    expect(id_cell.get_by_role("button")).to_have_text("查看")
    assert number not in page.content()
    expect(row.locator(".badge-off")).to_be_visible()
    row.locator("input[name=person_id]").check()
    page.locator('button[name=grant][value="1"]').click()
    expect(page.locator(".alert-success")).to_contain_text("1")  # granted to 1 person
    row = page.locator("tbody tr", has=page.locator(f'input[name=person_id][value="{person_id}"]'))
    expect(row.locator(".badge-on")).to_be_visible()
    expect(row.locator(".badge-off")).to_have_count(0)
    admin_row = page.locator("tbody tr", has=page.get_by_role("link", name="王管理"))
    expect(admin_row.locator(".badge-off")).to_be_visible()  # only the ticked person changed

    # --- The learner, in a browser of their own, signs in with the initial password ...
    learner = new_page()
    sign_in(learner, username, initial_password)
    expect(learner).to_have_url(re.compile(r"/account/password/$"))
    expect(learner.locator(".alert-warning")).to_be_visible()  # told why they are here
    # ... cannot go anywhere else before changing it ...
    learner.goto("/profile/")
    expect(learner).to_have_url(re.compile(r"/account/password/$"))
    # ... and changes it.
    learner.fill("#old_password", initial_password)
    learner.fill("#new_password", NEW_PASSWORD)
    learner.fill("#confirm", NEW_PASSWORD)
    learner.locator("form button[type=submit]").click()
    expect(learner.locator(".alert-success")).to_be_visible()
    expect(learner.locator(".badge-on")).to_be_visible()  # the home page says self-entry is open

    # --- Their own profile shows the whole ID number; they change the mobile number.
    learner.locator('main a[href="/profile/"]').click()
    expect(learner).to_have_url(re.compile(r"/profile/$"))
    expect(learner.locator("dd[data-field=id_number]")).to_have_text(number)
    expect(learner.locator("dd[data-field=name]")).to_have_text("赵小燕")
    expect(learner.locator("dd[data-field=mobile]")).to_have_text("13800001111")
    learner.fill("#mobile", "13912345678")
    learner.locator("main form button[type=submit]").click()
    expect(learner.locator(".alert-success")).to_be_visible()
    expect(learner.locator("dd[data-field=mobile]")).to_have_text("13912345678")
    expect(learner.locator("#mobile")).to_have_value("13912345678")

    # --- The new password works for the next sign-in.
    retry = new_page()
    sign_in(retry, username, NEW_PASSWORD)
    expect(retry).to_have_url(re.compile(r"/$"))
    expect(retry.locator("h1.page-title")).to_contain_text("赵小燕")

    # --- Another unit's admin does not even learn the person exists.
    outsider = new_page()
    sign_in(outsider, stranger.username, stranger.password)
    response = outsider.goto(f"/people/{person_id}")
    assert response.status == 404
    outsider.goto("/people/")
    expect(outsider.get_by_text("赵小燕")).to_have_count(0)
    expect(outsider.locator(f'input[name=person_id][value="{person_id}"]')).to_have_count(0)


def test_wrong_initial_password_keeps_the_learner_on_the_login_page(page, users):
    unit = users.unit("330101")
    learner = users.person(unit, initial=True)
    page.goto("/login/")
    page.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    page.fill("#username", learner.username)
    page.fill("#password", learner.password + "x")
    page.fill("#captcha", "TEST")
    page.locator("form[name=login] button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("#password")).to_have_value("")


def test_resetting_a_password_asks_first(users, new_page):
    """A destructive action asks before it is sent: dismissing keeps the old password."""
    unit = users.unit("330109")
    admin = users.person(unit, role="unit_admin", name="确认管理员")
    learner = users.person(unit, name="确认学员")
    page = new_page(DESKTOP)
    sign_in(page, admin.username, admin.password)
    page.goto(f"/people/{learner.id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("#initial-password")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("#initial-password")).to_be_visible()
