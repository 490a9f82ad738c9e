"""Credit certificates (电子学分证书) as PDF: one A4 landscape page per certificate, rendered by
WeasyPrint from the HTML/CSS template templates/certificate.html next to this module.

All certificates of a call go into one HTML document (a page break between them) and WeasyPrint
runs once, so a batch costs little more per page than a single certificate. Chinese text is set in
the Noto CJK font that the set-up installs (fonts-noto-cjk), embedded as a subset, so the text
layer is searchable and copyable. The QR code is an inline SVG made with segno; it carries the
certificate's verification URL."""
from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import jinja2
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.contracts import DocumentExporter

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Module size of the QR code in CSS px (1/96 in): a version 5-6 code (a ~90-character URL) is
# 37-41 modules plus the quiet zone, about 28 mm wide, readable by any phone.
QR_SCALE = 3

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def chinese_date(value: str) -> str:
    """``2025-03-01`` as 2025年3月1日 (anything that is not an ISO date is left as it is)."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def plain_number(value: str) -> str:
    """A credit or hour figure as people write it: 8.00 → 8, 2.50 → 2.5, 0.25 → 0.25."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    text = f"{number:f}"
    return re.sub(r"\.?0+$", "", text) if "." in text else text


def import_weasyprint():
    """WeasyPrint, imported on first use (it loads Pango through cffi, which only PDF exports
    need). Importing it sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES = True``,
    which would let damaged images through the evidence upload check (portal.evidence) in the
    same process: the flag is put back. Certificates embed no raster images. Other code should
    import WeasyPrint through this function too."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    return weasyprint


def qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code (error correction level M)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=QR_SCALE, light="white"))


def render_html(documents: list[Mapping[str, Any]]) -> str:
    """The HTML of all ``documents``, a page each (also what a test or a preview can look at)."""
    pages = [{
        **document,
        "project_period": (chinese_date(document["project_start"]), chinese_date(document["project_end"])),
        "credits_text": plain_number(document["credits"]),
        "hours_text": plain_number(document["hours"]),
        "issued_text": chinese_date(document["issued_on"]),
        "qr": qr_svg(document["verify_url"]),
    } for document in documents]
    return _env.get_template("certificate.html").render(pages=pages)


class CertificatePdf(DocumentExporter):
    slug = "certificate_pdf"
    label = _l("Credit certificate (PDF)")
    description = _l("Credit certificates as one PDF, an A4 landscape page each, with a QR code to verify them.")
    media_type = "application/pdf"
    file_extension = "pdf"
    document = "certificate"

    def write(self, documents: list[Mapping[str, Any]], out: BinaryIO) -> None:
        weasyprint = import_weasyprint()
        html = weasyprint.HTML(string=render_html(documents), base_url=TEMPLATES.as_uri() + "/")
        html.write_pdf(out)


@hookimpl
def register_exporters():
    return [CertificatePdf]
