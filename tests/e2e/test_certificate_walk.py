"""导出学分证书 in a real browser: the learner ticks three approved records on 学分情况查询 and
downloads one PDF with a page per certificate; the QR code on the first page is decoded and its
verification link opened on a phone, signed out: number, masked name and 有效, fitting the screen."""
from __future__ import annotations

import datetime as dt
import subprocess
from urllib.parse import urlsplit

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Certificate
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import PASSWORD, approved_record

pytestmark = pytest.mark.e2e

TREE = [
    ("33", "浙江省", "province", None, None),
    ("3301", "杭州市", "city", None, "33"),
    ("330101", "第一人民医院", "institution", "二级", "3301"),
]
PROJECTS = ("国家级心血管学习班", "省级急救培训", "市级护理进展")


def _text(pdf, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return "".join(out.split())  # long project names wrap onto the next line


def _qr_of_first_page(pdf, tmp_path) -> str:
    """The text of the QR code on page 1, rendered at 150 dpi and read by zbarimg."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True)
    (image,) = sorted(tmp_path.glob("page*.png"))
    result = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True)
    assert result.returncode == 0, f"no QR code found on page 1 ({result.returncode}): {result.stderr}"
    codes = result.stdout.split()
    assert len(codes) == 1, codes
    return codes[0]


def test_learner_exports_certificates_and_a_phone_verifies_one(app, users, new_page, tmp_path):
    units = users.units(TREE)
    users.province_admin()
    learner = users.person(units["330101"], self_entry=True, name="王小明")
    for n, (name, level) in enumerate(zip(PROJECTS, ("national", "provincial", "city"), strict=True)):
        approved_record(app, learner.id, "非向导录入", dt.date(2025, 3 + n, 1),
                        {"credits": str(4 + n), "hours": str(12 + 3 * n)}, level, name=name)

    page = new_page(DESKTOP)
    sign_in(page, learner.username, PASSWORD)
    page.goto("/credits/query/?from=2025-01-01&to=2025-12-31&status=approved")
    expect(page.locator(".record-count")).to_have_text("共3条记录")
    expect(page.locator("td.tick input[type=checkbox][name=record_id]")).to_have_count(3)
    for name in PROJECTS:
        page.get_by_role("checkbox", name=f"勾选 {name}", exact=True).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出学分证书", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert len(pypdf.PdfReader(saved).pages) == 3
    text = _text(saved)
    for name in PROJECTS:
        assert name in text, f"{name} missing from the PDF"
    assert text.count("浙江省继续医学教育学分电子证书") == 3

    url = _qr_of_first_page(saved, tmp_path)
    path = urlsplit(url).path
    assert path.startswith("/verify/"), url
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.token == path.removeprefix("/verify/")))
        assert certificate is not None, f"the QR code's link {url} matches no certificate"
        number, project = certificate.number, certificate.statement["project_name"]
    first_page = _text(saved, 1, 1)
    assert number in first_page and project in first_page  # the QR code belongs to the page it is on

    phone = new_page(PHONE)  # a stranger scanning the code: not signed in
    phone.goto(path)
    box = phone.locator(".verify-box")
    expect(box.locator(".verify-status")).to_have_text("有效")
    expect(box).to_contain_text("浙江省继续医学教育学分电子证书")
    fields = box.locator(".verify-fields")
    expect(fields).to_contain_text(number)
    expect(fields).to_contain_text("王*明")
    expect(fields).not_to_contain_text("王小明")
    expect(fields).to_contain_text(project)
    fits_the_phone(phone)
    shoot(phone, "verify")
