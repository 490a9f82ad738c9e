"""下载可验证凭证 in a real browser: the learner downloads the credential of a certificate from
学分情况查询; a stranger on a phone, signed out, drops the file on the public verifier page and
sees it verify; the provincial admin revokes the certificate; the same file is then refused
as 已撤销."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from portal.accounts.actor import actor_for
from portal.certificates import services as certificates
from portal.extensions import db
from portal.models import Person
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e

TREE = [
    ("33", "浙江省", "province", None, None),
    ("3301", "杭州市", "city", None, "33"),
    ("330101", "第一人民医院", "institution", "二级", "3301"),
]


def _verify(phone, saved):
    phone.goto("/credentials/verify")
    phone.locator("input[type=file]").set_input_files(str(saved))
    phone.get_by_role("button", name="验证", exact=True).click()
    return phone.locator(".verify-box")


def test_a_downloaded_credential_verifies_until_the_province_revokes_it(app, users, new_page, tmp_path):
    units = users.units(TREE)
    admin = users.province_admin()
    learner = users.person(units["330101"], name="王小明")
    record = approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "6", "hours": "18"},
                             "national", name="国家级心血管学习班")
    with app.test_request_context():
        (certificate,) = certificates.issue(actor_for(db.session.get(Person, learner.id).user), [record])
        number, verify_url = certificate.number, certificate.statement["verify_url"]

    page = new_page(DESKTOP)
    sign_in(page, learner.username, PASSWORD)
    page.goto(f"/credits/{record}")
    expect(page.locator(".certificate-card")).to_contain_text("下载可验证凭证 (.json)")
    shoot(page, "credential-record")
    page.goto("/credits/query/?from=2025-01-01&to=2025-12-31&status=approved")
    link = page.locator(f"a[data-credential='{number}']")
    expect(link).to_have_text("下载可验证凭证 (.json)")
    shoot(page, "credential-query")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{number}.json"
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["credential"]["credentialSubject"]["creditsEarned"] == 6.0
    assert learner.id_number not in saved.read_text(encoding="utf-8")

    phone = new_page(PHONE)  # a stranger: not signed in
    phone.goto(verify_url.removeprefix(app.config["BASE_URL"]))
    expect(phone.locator(".verify-credential a").first).to_have_text("下载可验证凭证 (.json)")
    fits_the_phone(phone)
    shoot(phone, "verify-with-credential")
    box = _verify(phone, saved)
    expect(box.locator(".verify-status")).to_have_text("凭证有效。")
    for check in ("issuer_key", "signature", "schema", "status"):
        expect(box.locator(f"[data-check={check}]")).to_have_attribute("data-outcome", "passed")
    expect(box.locator(".verify-fields")).to_contain_text("国家级心血管学习班")
    expect(box.locator(".verify-fields")).to_contain_text("6.00")
    fits_the_phone(phone)
    shoot(phone, "credential-verified")

    province = new_page(DESKTOP)
    sign_in(province, admin.username, PASSWORD)
    province.goto(f"/certificates/?q={number}")
    province.locator("input[name=reason]").fill("证明材料有误")
    province.once("dialog", lambda dialog: dialog.accept())
    province.get_by_role("button", name="撤销", exact=True).click()
    expect(province.locator("tbody")).to_contain_text("已撤销")

    box = _verify(phone, saved)
    expect(box.locator(".verify-status")).to_have_text("凭证无效。")
    expect(box.locator("[data-check=status]")).to_have_attribute("data-outcome", "failed")
    expect(box.locator("[data-check=status]")).to_contain_text("已撤销")
    expect(box.locator("[data-check=signature]")).to_have_attribute("data-outcome", "passed")
    fits_the_phone(phone)
    shoot(phone, "credential-revoked")
