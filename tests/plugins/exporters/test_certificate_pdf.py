"""The certificate PDF exporter, read back with poppler and zbar (installed by `make setup`): one
A4 landscape page per certificate, the Chinese text in the text layer with an embedded CJK font,
and a QR code that decodes to the verification URL."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import ImageFile
from pypdf import PdfReader

from portal.contracts import DocumentExporter
from portal_plugins.exporters._pdf import chinese_date
from portal_plugins.exporters.certificate_pdf import CertificatePdf, render_html

VERIFY_URL = "http://127.0.0.1:5000/verify/Xq3vR7pL2mN8sT4wY6zA1bC5dE9fG0hJkLmNoPqRsTu"
FIRST = {
    "number": "ZJ2025-7F3K-9QX2-M4TB", "title": "浙江省继续医学教育学分电子证书",
    "person_name": "张三丰", "sex": "男", "project_start": "2025-03-01", "project_end": "2025-03-03",
    "organiser": "浙江大学医学院附属第一医院", "credit_level": "省级", "project_number": "2025-03-01-012(省)",
    "project_name": "基层医院急危重症救治能力提升培训班", "credit_class": "II类", "credits": "2.50",
    "hours": "7.5", "awarding_body": "浙江省继续医学教育委员会", "issued_on": "2026-11-26", "verify_url": VERIFY_URL,
}
SECOND = {
    **FIRST, "number": "ZJ2025-Q8WN-3HCV-R2KD", "person_name": "<b>张</b>小明", "sex": "女", "organiser": "",
    "credit_level": "国家级", "project_number": "2025-04-02-123(国)", "project_name": "医学影像新进展",
    "credit_class": "I类", "credits": "10.00", "hours": "30.0", "verify_url": VERIFY_URL + "2",
}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("certificates") / "certificates.pdf"
    with path.open("wb") as out:
        CertificatePdf().write([FIRST, SECOND], out)
    return path


def page_text(pdf: Path, page: int) -> list[str]:
    """The lines of ``page``'s text layer, with the layout's runs of spaces squeezed to one."""
    text = run("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [re.sub(r" {2,}", " ", line).strip() for line in text.splitlines() if line.strip()]


def squashed(lines: list[str]) -> str:
    """The text without white space, for a paragraph that may wrap anywhere."""
    return re.sub(r"\s+", "", "".join(lines))


def test_the_contract():
    assert issubclass(CertificatePdf, DocumentExporter)
    assert (CertificatePdf.slug, CertificatePdf.media_type, CertificatePdf.file_extension, CertificatePdf.document) == \
        ("certificate_pdf", "application/pdf", "pdf", "certificate")
    assert str(CertificatePdf.label) == "Credit certificate (PDF)"


def test_the_app_registers_it(app):
    assert app.extensions["portal"].exporters["certificate_pdf"] is CertificatePdf


def test_one_a4_landscape_page_per_certificate(pdf):
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_the_text_layer_holds_the_certificate_in_chinese(pdf):
    lines = page_text(pdf, 1)
    assert lines[0] == "浙江省继续医学教育学分电子证书"
    assert "证书编号：ZJ2025-7F3K-9QX2-M4TB" in lines
    assert "张三丰（男）：" in lines
    assert "于2025年3月1日至2025年3月3日参加由浙江大学医学院附属第一医院主办的省级2025-03-01-012(省)" \
        "《基层医院急危重症救治能力提升培训班》，" in squashed(lines)
    assert "经考核合格，特授予 II类学分 2.50分（7.5学时）。" in lines
    # Dated with the project's last day, as the manual prints it, not the day it was issued.
    assert "浙江省继续医学教育委员会" in lines and "2025年3月3日" in lines and "2026年11月26日" not in lines
    assert "扫码验证" in lines
    # The watermark is drawn, not written: nothing of it in the text layer.
    assert "CME" not in squashed(lines)


def test_the_second_page_leaves_out_an_empty_organiser_and_escapes_html(pdf):
    lines = page_text(pdf, 2)
    assert "证书编号：ZJ2025-Q8WN-3HCV-R2KD" in lines
    assert "<b>张</b>小明（女）：" in lines
    assert "于2025年3月1日至2025年3月3日参加国家级2025-04-02-123(国)《医学影像新进展》，" in squashed(lines)
    assert "主办" not in squashed(lines)
    assert "经考核合格，特授予 I类学分 10.00分（30.0学时）。" in lines


def test_the_html_escapes_what_the_documents_say():
    html = render_html([SECOND])
    assert "&lt;b&gt;张&lt;/b&gt;小明" in html and "<b>张</b>" not in html


def test_a_cjk_font_is_embedded(pdf):
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    cjk = [line.split() for line in fonts if "CJK" in line]
    assert cjk, fonts
    # name type... encoding emb sub uni object ID: every CJK font embedded (a subset), with a ToUnicode map.
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in cjk), fonts


def test_the_qr_code_decodes_to_the_verify_url(pdf, tmp_path):
    for page, url in ((1, VERIFY_URL), (2, SECOND["verify_url"])):
        run("pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(tmp_path / "page"))
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True)
        assert decoded.stdout.strip() == url


def test_it_writes_to_any_binary_file():
    out = io.BytesIO()
    CertificatePdf().write([FIRST], out)
    assert out.getvalue().startswith(b"%PDF-") and len(PdfReader(out).pages) == 1


def test_pillow_still_refuses_truncated_images(pdf):
    """Importing WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES; the exporter puts it back,
    or the evidence check would take damaged images once a certificate had been exported."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_dates_in_chinese():
    assert chinese_date("2025-03-01") == "2025年3月1日"
    assert chinese_date("2026-11-26") == "2026年11月26日"
