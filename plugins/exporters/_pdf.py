"""What the PDF document exporters share: WeasyPrint imported safely, the Jinja environment of
templates/ with the filters documents use, and the QR code."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from markupsafe import Markup

from portal.contracts import credits_text, hours_text, page_nonce

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Module size of the QR code in CSS px (1/96 in): a version 5-6 code (a ~90-character URL) is
# 37-41 modules plus the quiet zone, about 28 mm wide, readable by any phone.
QR_SCALE = 3


def chinese_date(value: str) -> str:
    """``2025-03-01`` as 2025年3月1日 (anything that is not an ISO date is left as it is)."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code (error correction level M)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=QR_SCALE, light="white"))


environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
environment.filters.update(chinese_date=chinese_date, credits=credits_text, hours=hours_text, qr=qr_svg)
# On screen (a document's printable page) its inline style sheet needs the response's CSP nonce.
environment.globals.update(page_nonce=page_nonce)


def import_weasyprint():
    """WeasyPrint, imported on first use (it loads Pango through cffi, which only PDF exports
    need). Importing it sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES = True``,
    which would let damaged images through the evidence upload check (portal.evidence) in the
    same process: the flag is put back. Documents embed no raster images. Other code should
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


def write_pdf(html: str, out: BinaryIO) -> None:
    """Render ``html`` (relative URLs resolve in templates/) as PDF into ``out``. The renderer
    fetches data: URIs and files under templates/ only: a URL in a learner's text can make it
    reach neither the network nor the server's files."""
    weasyprint = import_weasyprint()
    weasyprint.HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=_own_files_only(weasyprint)).write_pdf(out)


def _own_files_only(weasyprint):
    class OwnFilesOnly(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data" or (parts.scheme == "file" and not parts.netloc and Path(
                    url2pathname(parts.path)).resolve().is_relative_to(TEMPLATES)):
                return super().fetch(url, headers)
            raise ValueError(f"the PDF renderer fetches only data: URIs and its own templates, not {url}")

    return OwnFilesOnly()
