"""Evidence files are recognised by their content, never by their name. JPEG and PNG images are
re-encoded without any metadata; PDFs are kept byte for byte once they are known to carry no
scripts, attachments or encryption. Anything else is refused with a message for the learner."""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from portal.images import MAX_PIXELS, ImageRefused, Refusal, decode

MAX_SIDE = 4000
JPEG_QUALITY = 90

# Dictionary keys and name values that make a PDF run code or carry files.
_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/XFA"}
_FORBIDDEN_NAMES = {"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment"}
# The same names as raw tokens: a viewer repairing a damaged file may find objects that the
# parser's cross-reference table does not list.
_FORBIDDEN_TOKENS = re.compile(
    rb"/(?:JS|JavaScript|AA|EmbeddedFiles?|EF|XFA|Launch|FileAttachment)(?=[\s()<>\[\]{}/%]|\Z)")


class EvidenceRejected(ValueError):
    """The file cannot be evidence; the message is for the learner, in their language."""


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks: ``data`` is what to store."""

    media_type: str
    extension: str
    data: bytes
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def inspect(data: bytes, filename: str, max_bytes: int) -> Checked:
    """Check an uploaded evidence file; raises EvidenceRejected when it cannot be evidence."""
    if not data:
        raise EvidenceRejected(_("%(name)s is empty.", name=filename))
    if len(data) > max_bytes:
        raise EvidenceRejected(_("%(name)s is larger than %(mb)d MB.", name=filename, mb=max_bytes // 2**20))
    if data.startswith(b"%PDF-"):
        _check_pdf(data, filename)
        return _checked("application/pdf", "pdf", data)
    if data.startswith(b"\xff\xd8\xff"):
        return _clean_image(data, filename, "JPEG")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _clean_image(data, filename, "PNG")
    raise EvidenceRejected(_("%(name)s is not a JPG, PNG or PDF file: its content is something else.", name=filename))


def _checked(media_type: str, extension: str, data: bytes, image: Image.Image | None = None) -> Checked:
    return Checked(media_type, extension, data, len(data), hashlib.sha256(data).hexdigest(),
                   image.width if image else None, image.height if image else None)


def _damaged(filename: str) -> EvidenceRejected:
    return EvidenceRejected(_("%(name)s is damaged or incomplete and cannot be opened.", name=filename))


def _too_many_pixels(filename: str) -> EvidenceRejected:
    return EvidenceRejected(_("%(name)s is too large an image: more than %(mp)d megapixels.",
                              name=filename, mp=MAX_PIXELS // 1_000_000))


def _clean_image(data: bytes, filename: str, kind: str) -> Checked:
    try:
        image = decode(data, (kind,))
    except ImageRefused as refused:
        if refused.reason == Refusal.PIXELS:
            raise _too_many_pixels(filename) from None
        raise _damaged(filename) from None  # the magic bytes said it was this kind
    try:
        mode = "RGBA" if kind == "PNG" and image.has_transparency_data else "RGB"
        clean = image.convert(mode)
    except (OSError, ValueError):
        raise _damaged(filename) from None
    # Savers copy ICC profiles, comments and transparency from ``info``: nothing of it is kept.
    clean.info.clear()
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, "PNG")
        return _checked("image/png", "png", out.getvalue(), clean)
    clean.save(out, "JPEG", quality=JPEG_QUALITY)
    return _checked("image/jpeg", "jpg", out.getvalue(), clean)


def _check_pdf(data: bytes, filename: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        active = encrypted or _has_active_content(reader)
        readable = encrypted or len(reader.pages) > 0
    except Exception:  # pypdf raises many exception types on malformed input
        raise _damaged(filename) from None
    if encrypted:
        raise EvidenceRejected(_("%(name)s is password-protected; upload a copy without a password.", name=filename))
    if not readable:
        raise _damaged(filename)
    if active or _FORBIDDEN_TOKENS.search(data):
        raise EvidenceRejected(_("%(name)s contains scripts or attached files, which are not allowed in "
                                 "evidence; print it to a new PDF and upload that.", name=filename))


def _has_active_content(reader: PdfReader) -> bool:
    """Whether any object the cross-reference tables list (object streams included) is a
    script, an action that launches something, or an attached file."""
    numbers = {(num, gen) for gen, entries in reader.xref.items() for num in entries
               if not reader.xref_free_entry.get(gen, {}).get(num)}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    pending = [reader.trailer] + [reader.get_object(IndirectObject(num, gen, reader)) for num, gen in numbers]
    while pending:
        obj = pending.pop()
        if isinstance(obj, DictionaryObject):
            if _FORBIDDEN_KEYS.intersection(obj) or any(
                    obj.get(key) in _FORBIDDEN_NAMES for key in ("/S", "/Type", "/Subtype")):
                return True
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
    return False
