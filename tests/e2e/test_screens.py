"""The main pages on a desktop and on a phone: full-page screenshots into screenshots/ (for a
person to look at) and, on the phone, no sideways scrolling on the pages learners use."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in

pytestmark = pytest.mark.e2e


# The province of the screenshots: a city hospital and a township health centre.
TREE = [
    ("33", "浙江省卫生健康委员会", "province", None, None),
    ("3301", "杭州市卫生健康委员会", "city", None, "33"),
    ("330101", "杭州市第一人民医院", "institution", "三级", "3301"),
    ("330108", "杭州市滨江区卫生健康局", "county", None, "3301"),
    ("33010801", "滨江区长河街道社区卫生服务中心", "institution", "乡镇", "330108"),
]


def _app_name_is_readable(page: Page) -> None:
    """The portal's name in the top bar is white on the dark bar, not the link colour on it."""
    brand = page.locator(".navbar-brand a")
    expect(brand).to_have_text("继续医学教育学分管理平台")
    expect(brand).to_have_css("color", "rgb(255, 255, 255)")


def _inside(inner: dict, outer: dict) -> bool:
    return inner["x"] >= outer["x"] - 0.5 and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_main_pages(app, users, page, new_page):
    viewport = (page.viewport_size["width"], page.viewport_size["height"])
    phone = viewport == PHONE
    units = users.units(TREE)
    hospital = units["330101"]
    province_admin = users.province_admin()
    unit_admin = users.person(hospital, role="unit_admin", name="王管理", department="医务科", title="主任医师",
                              title_level="副高")
    learner = users.person(hospital, name="赵小燕", department="心血管内科", title="主治医师", title_level="中级",
                           mobile="13800001111", email="zhaoxy@example.com", ethnicity="汉族", self_entry=True)
    for n, name in enumerate(["钱多多", "孙悦", "李华", "周杰", "吴敏"]):
        users.person(hospital, name=name, department="急诊科", title="住院医师", title_level="初级", self_entry=n % 2 == 0)

    # Visitor: the login page.
    page.goto("/login/")
    expect(page.locator("#captcha-image")).to_be_visible()
    page.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    shoot(page, "login")
    # The code field has room for the 4 characters next to the picture, which is not squeezed.
    code_box, picture = page.locator("#captcha").bounding_box(), page.locator("#captcha-image").bounding_box()
    assert code_box["width"] >= 90, f"the captcha field is squeezed to {code_box['width']}px"
    assert picture["width"] >= 130 and abs(code_box["y"] - picture["y"]) < picture["height"]
    if phone:
        fits_the_phone(page)
        assert page.locator("#username").bounding_box()["width"] >= 250

    # Learner: home, profile (own ID number in full), password change.
    sign_in(page, learner.username, learner.password)
    expect(page.locator("h1.page-title")).to_contain_text("赵小燕")
    _app_name_is_readable(page)
    shoot(page, "home-learner")
    if phone:
        fits_the_phone(page)
    page.goto("/profile/")
    id_box = page.locator("dd[data-field=id_number]")
    expect(id_box).to_have_text(learner.id_number)
    shoot(page, "profile")
    # The ID number and e-mail stay inside their card, the ID number on one line.
    card = page.locator("dl.profile").bounding_box()
    for field in ("id_number", "email", "unit"):
        box = page.locator(f"dd[data-field={field}]").bounding_box()
        assert _inside(box, card), f"{field} sticks out of its card: {box} vs {card}"
    line_height = float(id_box.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert id_box.bounding_box()["height"] < 1.5 * line_height, "the ID number is broken over two lines"
    if phone:
        fits_the_phone(page)
    page.goto("/account/password/")
    expect(page.locator("#new_password")).to_be_visible()
    shoot(page, "password")
    if phone:
        fits_the_phone(page)
    # Credit entry (the learner has self-entry): the free form and the wizard's first step.
    for path, name in (("/credits/new/free", "credit-free-form"), ("/credits/wizard", "credit-wizard"),
                       ("/credits/mine", "my-credits")):
        page.goto(path)
        expect(page.locator("h1.page-title")).to_be_visible()
        shoot(page, name)
        if phone:
            fits_the_phone(page)

    # Unit admin: home, staff list (ID numbers masked), new-person form.
    admin_page = new_page(viewport)
    sign_in(admin_page, unit_admin.username, unit_admin.password)
    shoot(admin_page, "home-unit-admin")
    _app_name_is_readable(admin_page)
    admin_page.goto("/people/")
    expect(admin_page.locator("tbody tr")).to_have_count(7)
    expect(admin_page.locator("tbody tr td:nth-child(5)").first).to_have_text(re.compile(r"^330\*+"))
    shoot(admin_page, "people-list")
    if phone:
        fits_the_phone(admin_page)
        tick = admin_page.locator("tbody input[name=person_id]").first.bounding_box()
        assert tick["width"] >= 24 and tick["height"] >= 24, f"tick box too small to tap: {tick}"
    admin_page.goto("/people/new")
    expect(admin_page.locator("#id_number")).to_be_visible()
    shoot(admin_page, "person-form")
    # The two required fields come first, where the admin starts typing.
    fields = admin_page.locator("form.card .form-control")
    expect(fields.nth(0)).to_have_id("name")
    expect(fields.nth(1)).to_have_id("id_number")
    # Cells line up in rows even when one has a help line under it (no float snags).
    tops = admin_page.evaluate("""() => [...document.querySelectorAll('.form-grid > div')]
        .map(d => Math.round(d.getBoundingClientRect().left) + ':' + Math.round(d.getBoundingClientRect().top))""")
    columns = {int(t.split(":")[0]) for t in tops}
    assert len(columns) == (1 if phone else 3), f"form columns: {sorted(columns)}"
    if phone:
        fits_the_phone(admin_page)

    # Provincial admin: the unit tree.
    province_page = new_page(viewport)
    sign_in(province_page, province_admin.username, province_admin.password)
    province_page.goto("/units/")
    expect(province_page.locator("ul.unit-tree strong", has_text="滨江区长河街道社区卫生服务中心")).to_be_visible()
    expect(province_page.get_by_role("link", name=re.compile("7"))).to_have_attribute(
        "href", re.compile(rf"/people/\?unit_id={hospital}$"))
    shoot(province_page, "unit-tree")
    if phone:
        fits_the_phone(province_page)

    # Provincial admin: the category editor with a points table and its preview.
    province_page.goto("/categories/")
    expect(province_page.locator("tbody tr")).to_have_count(20)
    shoot(province_page, "categories")
    province_page.goto("/categories/new/research")
    province_page.fill("input[name=params-table-1-1]", "7.5")
    province_page.get_by_role("button", name="预览").click()
    expect(province_page.locator("#preview")).to_contain_text("7.50 学分")
    shoot(province_page, "category-form")
