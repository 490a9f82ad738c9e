"""Credit certificates (电子学分证书) as PDF: one A4 landscape page per certificate, rendered by
WeasyPrint from the HTML/CSS template templates/certificate.html next to this module.

All certificates of a call go into one HTML document (a page break between them) and WeasyPrint
runs once, so a batch costs little more per page than a single certificate. Chinese text is set in
the Noto CJK font that the set-up installs (fonts-noto-cjk), embedded as a subset, so the text
layer is searchable and copyable. The QR code is an inline SVG made with segno; it carries the
certificate's verification URL."""
from __future__ import annotations

import base64
from functools import cache
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.contracts import CertificateStatement, DocumentExporter, DocumentKind
from portal.hookspecs import hookimpl

from ._pdf import TEMPLATES, chinese_date, environment, qr_svg, write_pdf


@cache
def watermark() -> str:
    """The CME pattern as a data URL, so that the HTML needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode((TEMPLATES / "watermark.svg").read_bytes()).decode()


def render_html(documents: list[CertificateStatement], toolbar: Markup | str = "") -> str:
    """The HTML of all ``documents``, a page each (also what a test or a preview can look at)."""
    pages = [{
        **document,
        "project_period": (chinese_date(document["project_start"]), chinese_date(document["project_end"])),
        # Credits with two decimals and hours with one, as on every page and export; dated, as in
        # the manual, with the project's last day (项目举办截止日期).
        "credits_text": document["credits"],
        "hours_text": document["hours"],
        "issued_text": chinese_date(document["project_end"]),
        "qr": qr_svg(document["verify_url"]),
    } for document in documents]
    return environment.get_template("certificate.html").render(pages=pages, watermark=watermark(), toolbar=toolbar)


class CertificatePdf(DocumentExporter):
    slug = "certificate_pdf"
    label = _l("Credit certificate (PDF)")
    description = _l("Credit certificates as one PDF, an A4 landscape page each, with a QR code to verify them.")
    media_type = "application/pdf"
    file_extension = "pdf"
    document = DocumentKind.CERTIFICATE

    def html(self, documents: list[CertificateStatement], toolbar: Markup | str = "") -> str:
        return render_html(documents, toolbar)

    def write(self, documents: list[CertificateStatement], out: BinaryIO) -> None:
        write_pdf(render_html(documents), out)


@hookimpl
def register_exporters():
    return [CertificatePdf]
