"""The form PDF exporters read back with poppler: a registration form too long for one page
keeps its table header, names its number and page on every page, and ends with the totals,
the result and the QR code; the print page is the same HTML with the toolbar on screen only."""
from __future__ import annotations

import subprocess

import pytest
from markupsafe import Markup

from portal_plugins.exporters.credit_forms_pdf import RegistrationFormPdf, VerificationTablePdf

NUMBER = "DJ-2026-7K3M-9QXD"
PERSON = {"person_no": "330101-000002", "name": "王小明", "unit": "杭州市第一人民医院", "department": "急诊科",
          "title": "主管护师", "sex": "男", "birth_date": "1980-01-01", "status": "正常"}
FIGURES = {"year": 2025, "period_start": "2025-01-01", "period_end": "2025-12-31", "records": 60, "credits": "150.00",
           "class_1": "0.00", "class_2": "150.00", "other": "0.00", "hours": "450.0", "compliant": False,
           "result": "不达标", "rule_set": "2024年全国继续医学教育学分标准", "shortfalls": ["I类学分还差 2.5 分"]}
FORM = {"kind": "registration", "number": NUMBER, "title": "浙江省继续医学教育学分登记表", "person": PERSON,
        "issued_on": "2026-11-26", "verify_url": "http://127.0.0.1:5000/verify/abc", "year": 2025, "figures": FIGURES,
        "deemed_by": "",
        "records": [{"date": "2025-03-01", "number": f"2025-{n:03d}", "name": f"第{n}期急救培训班", "credit_class": "II类",
                     "category": "自学综述", "unit": "杭州市第一人民医院", "credits": "2.50", "hours": "7.5"}
                    for n in range(1, 61)]}


def pages_text(path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def long_form(tmp_path_factory):
    path = tmp_path_factory.mktemp("forms") / "form.pdf"
    with path.open("wb") as out:
        RegistrationFormPdf().write([FORM], out)
    return path


def test_every_page_names_the_form_and_its_place(long_form):
    pages = pages_text(long_form)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert NUMBER in text, f"page {n} does not name the form"
        assert f"第{n}页/共{len(pages)}页" in "".join(text.split())
        assert "活动名称" in text  # the table header repeats
    assert "第60期急救培训班" in pages[-1] and "不达标" in pages[-1] and "扫码核验本表内容" in pages[-1]
    assert "不达标" not in pages[0]


def test_the_print_page_is_the_same_html_with_a_toolbar():
    toolbar = Markup('<button id="print-form">打印</button>')
    html = RegistrationFormPdf().html([FORM], toolbar)
    assert '<div class="toolbar"><button id="print-form">打印</button></div>' in html
    toolbar_html = '<div class="toolbar"><button id="print-form">打印</button></div>'
    assert html.replace(toolbar_html, "") == RegistrationFormPdf().html([FORM])
    assert "<script" not in RegistrationFormPdf().html([{**FORM, "person": {**PERSON, "name": "<script>x</script>"}}])


def test_verification_table_without_multi_year_requirements_says_so(tmp_path):
    table = {"kind": "verification", "number": "YZ-2026-AAAA-BBBB", "title": "浙江省继续医学教育多年度学分验证表",
             "person": PERSON, "issued_on": "2026-11-26", "verify_url": "http://127.0.0.1:5000/verify/def",
             "years": [FIGURES, {**FIGURES, "year": 2024, "period_start": "2024-01-01", "period_end": "2024-12-31",
                                 "compliant": True, "result": "达标", "shortfalls": []}], "multi_year": []}
    path = tmp_path / "table.pdf"
    with path.open("wb") as out:
        VerificationTablePdf().write([table], out)
    text = "".join(pages_text(path)[0].split())
    assert "2025年1月1日至2025年12月31日" in text and "2024年1月1日至2024年12月31日" in text
    assert "没有多年度要求" in text
