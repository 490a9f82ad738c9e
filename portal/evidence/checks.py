"""Evidence files are recognised by their content, never by their name. JPEG and PNG images are
re-encoded without any metadata; PDFs are kept byte for byte once they are known to hold only
what a scanned certificate needs (an allow-list: no actions, forms, attached files or
encryption). Anything else is refused with a message for the learner."""
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

# What a scanned certificate needs: pages with their content, images, fonts and text, and the
# document's outline, labels, tags and metadata. Anything else in the catalog or on a page (forms,
# scripts, attached files, base URIs, actions) is refused, whether or not we know what it does.
_CATALOG_KEYS = {"/Type", "/Version", "/Extensions", "/Pages", "/PageLabels", "/Names", "/Dests", "/Outlines",
                 "/Metadata", "/StructTreeRoot", "/MarkInfo", "/Lang", "/ViewerPreferences", "/PageLayout",
                 "/PageMode", "/OutputIntents", "/PieceInfo", "/OpenAction"}
_NAME_TREES = {"/Dests"}
_PAGE_KEYS = {"/Type", "/Parent", "/LastModified", "/Resources", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox",
              "/ArtBox", "/BoxColorInfo", "/Contents", "/Rotate", "/Group", "/Thumb", "/B", "/Dur", "/Annots",
              "/Metadata", "/PieceInfo", "/StructParents", "/ID", "/PZ", "/SeparationInfo", "/Tabs", "/UserUnit", "/VP"}
# Links within the document are the only annotations, going somewhere in it the only actions.
_ANNOTATIONS = {"/Link"}
_ACTIONS = {"/GoTo"}
_ACTION_KEYS = {"/Type", "/S", "/D", "/SD"}
# Found anywhere, even in objects nothing refers to: scripts, launchers, attached files, forms.
_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/XFA", "/AcroForm"}
_FORBIDDEN_NAMES = {"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment", "/URI", "/SubmitForm", "/ImportData",
                    "/GoToR", "/GoToE", "/RichMedia", "/Widget"}
# The same names as raw tokens: a viewer repairing a damaged file may find objects that the
# parser's cross-reference table does not list.
_FORBIDDEN_TOKENS = re.compile(
    rb"/(?:JS|JavaScript|AA|EmbeddedFiles?|EF|XFA|AcroForm|Launch|FileAttachment|URI|SubmitForm|ImportData|GoToR|GoToE"
    rb"|RichMedia)(?=[\s()<>\[\]{}/%]|\Z)")


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
        raise EvidenceRejected(_("%(name)s contains scripts, actions, links to elsewhere, forms or attached files, "
                                 "which evidence may not have; print it to a new PDF and upload that.", name=filename))


def _has_active_content(reader: PdfReader) -> bool:
    """Whether the file holds more than a scanned certificate needs (the allow-lists above), or
    anything forbidden in any object the cross-reference tables list (object streams included),
    whether or not the document refers to it."""
    root = reader.trailer.get("/Root")
    root = root.get_object() if root is not None else None
    if not isinstance(root, DictionaryObject) or not set(root) <= _CATALOG_KEYS:
        return True
    if "/OpenAction" in root and not _harmless_action(root["/OpenAction"].get_object(), destination_allowed=True):
        return True
    names = root.get("/Names")
    if names is not None and not set(names.get_object()) <= _NAME_TREES:
        return True
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
            if obj.get("/Type") == "/Page" and not set(obj) <= _PAGE_KEYS:
                return True
            annotations = obj.get("/Annots")
            if annotations is not None and any(a.get_object().get("/Subtype") not in _ANNOTATIONS
                                               for a in annotations.get_object()):
                return True
            if obj.get("/Type") == "/Annot" and obj.get("/Subtype") not in _ANNOTATIONS:
                return True
            # A link's or an outline item's action (elsewhere /A names tagged-PDF attributes).
            if "/A" in obj and (obj.get("/Subtype") == "/Link" or "/Title" in obj) and not _harmless_action(
                    obj["/A"].get_object()):
                return True
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
    return False


def _harmless_action(action, destination_allowed: bool = False) -> bool:
    """An action that only goes to a place in the document (or, where allowed, such a place itself)."""
    if isinstance(action, ArrayObject):
        return destination_allowed
    return isinstance(action, DictionaryObject) and action.get("/S") in _ACTIONS and set(action) <= _ACTION_KEYS
