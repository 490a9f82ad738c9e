"""Evidence files: recognised by content, images re-encoded without metadata, PDFs refused when
they can run code or carry files, stored under random names outside any static folder."""
from __future__ import annotations

import hashlib
import io
import re
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from portal.evidence import EvidenceRejected, LocalEvidenceStore, checks, evidence_store, inspect

MB = 1024 * 1024
MAX = 10 * MB


def jpeg(size=(40, 20), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", **save)
    return out.getvalue()


def png(image: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


def pdf(change=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if change:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def compressed_pdf(*extra: bytes, page_extra: bytes = b"", catalog_extra: bytes = b"") -> bytes:
    """A PDF as modern writers make it: every dictionary inside a Flate-compressed object stream,
    found through a cross-reference stream, so none of its names appear in the raw bytes.
    Objects 1-3 are the catalog, the page tree and the page; ``extra`` objects are numbered from 4."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page_extra + b">>", *extra]
    header, stream, n = b"", b"", len(bodies)
    for number, body in enumerate(bodies, 1):
        header += b"%d %d " % (number, len(stream))
        stream += body + b"\n"
    packed = zlib.compress(header + stream)
    out = b"%PDF-1.7\n"
    objstm_at = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (n + 1, n, len(header), len(packed)) + packed + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"
    rows += b"".join(b"\x02" + (n + 1).to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(n))
    rows += b"\x01" + objstm_at.to_bytes(4, "big") + b"\x00\x00" + b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00"
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % (n + 2, n + 3, len(rows)) + rows + b"\nendstream\nendobj\n")
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def refused(data: bytes, name: str, max_bytes: int = MAX) -> str:
    with pytest.raises(EvidenceRejected) as caught:
        inspect(data, name, max_bytes)
    assert name in str(caught.value)
    return str(caught.value)


# --- refused ------------------------------------------------------------------------------------

def test_a_php_script_named_like_a_photo_is_refused():
    message = refused(b"<?php system($_GET['c']); ?>\n", "photo.jpg")
    assert "not a JPG, PNG or PDF" in message


def test_a_script_behind_jpeg_magic_bytes_is_refused():
    assert "damaged" in refused(b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>", "photo.jpg")


def test_a_valid_svg_named_png_is_refused():
    svg = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<rect width="10" height="10" fill="red"/></svg>')
    assert "not a JPG, PNG or PDF" in refused(svg, "image.png")


def test_a_gif_is_refused():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    assert "not a JPG, PNG or PDF" in refused(out.getvalue(), "scan.gif")


def test_an_empty_file_is_refused():
    assert "empty" in refused(b"", "scan.pdf")


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    small = jpeg()
    big = small + bytes(11 * MB - len(small))  # a valid JPEG with trailing zeros: only its size is wrong

    def must_not_parse(*args, **kwargs):
        raise AssertionError("parsed a file that is too large")

    monkeypatch.setattr(checks.Image, "open", must_not_parse)
    assert "larger than 10 MB" in refused(big, "huge.jpg")


def test_a_truncated_jpeg_is_refused():
    out = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(out, "JPEG")
    assert "damaged" in refused(out.getvalue()[: len(out.getvalue()) // 2], "cut.jpg")


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that declares its size: all a decompression bomb needs to be opened."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width,height", [(9_000, 9_000), (20_000, 20_000)], ids=["over-our-cap", "over-pillows-cap"])
def test_a_decompression_bomb_is_refused(width, height):
    assert "80 megapixels" in refused(png_header(width, height), "bomb.png")


def with_javascript(writer):
    writer.add_open_action(JavaScript("app.alert('hello');"))


def with_attachment(writer):
    writer.add_attachment("payload.exe", b"MZ...")


def with_open_action_script(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})


def with_page_actions(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject({
        NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                            NameObject("/F"): TextStringObject("cmd.exe")})})


@pytest.mark.parametrize("change", [with_javascript, with_attachment, with_open_action_script, with_page_actions])
def test_a_pdf_that_runs_code_or_carries_files_is_refused(change):
    assert "which evidence may not have" in refused(pdf(change), "certificate.pdf")


@pytest.mark.parametrize("extra", [
    {"catalog_extra": b"/OpenAction 4 0 R", "extra": [b"<< /S /JavaScript /JS (app.alert(1)) >>"]},
    {"catalog_extra": b"/Names << /EmbeddedFiles 4 0 R >>", "extra": [b"<< /Names [(a.exe) 5 0 R] >>",
                                                                      b"<< /Type /Filespec /F (a.exe) >>"]},
    {"page_extra": b"/Annots [4 0 R]", "extra": [b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] >>"]},
    # a name spelled with a hex escape is the same name to a viewer
    {"catalog_extra": b"/OpenAction 4 0 R", "extra": [b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"]},
], ids=["open-action-script", "embedded-files", "file-attachment-annotation", "escaped-names"])
def test_active_content_inside_compressed_object_streams_is_found(extra):
    data = compressed_pdf(*extra.get("extra", []), page_extra=extra.get("page_extra", b""),
                          catalog_extra=extra.get("catalog_extra", b""))
    assert b"JavaScript" not in data and b"EmbeddedFiles" not in data and b"FileAttachment" not in data
    assert "which evidence may not have" in refused(data, "report.pdf")


def test_a_script_outside_the_cross_reference_table_is_found():
    # a viewer that repairs the file by scanning it would find this object; the parser does not
    hidden = pdf() + b"99 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n"
    assert "which evidence may not have" in refused(hidden, "certificate.pdf")


def test_an_encrypted_pdf_is_refused():
    assert "password" in refused(pdf(lambda w: w.encrypt("secret")), "locked.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnot really a pdf at all\n", pdf()[:200]], ids=["garbage", "truncated"])
def test_an_unreadable_pdf_is_refused(data):
    assert "damaged" in refused(data, "broken.pdf")


# --- accepted -----------------------------------------------------------------------------------

def test_a_jpeg_loses_its_exif_gps_and_comment_and_is_turned_upright():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown rotated a quarter turn clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 15.0, 10.0), 3: "E", 4: (120.0, 10.0, 5.0)}
    original = jpeg((40, 20), exif=exif, comment=b"home address")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    checked = inspect(original, "scan.jpg", MAX)

    assert (checked.media_type, checked.extension) == ("image/jpeg", "jpg")
    assert (checked.width, checked.height) == (20, 40)
    assert checked.size == len(checked.data) and checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    stored = Image.open(io.BytesIO(checked.data))
    assert stored.format == "JPEG" and stored.size == (20, 40)
    assert not stored.getexif() and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in checked.data and b"PhoneMaker" not in checked.data and b"home address" not in checked.data


def test_a_png_loses_its_text_chunks_and_colour_profile():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Dr. Zhang, 13800138000")
    info.add_text("Comment", "compressed secret", zip=True)
    original = png(Image.new("RGB", (30, 30), "blue"), pnginfo=info, icc_profile=b"not-a-real-profile")

    checked = inspect(original, "scan.png", MAX)

    assert (checked.media_type, checked.extension, checked.width, checked.height) == ("image/png", "png", 30, 30)
    stored = Image.open(io.BytesIO(checked.data))
    assert stored.format == "PNG" and stored.text == {} and "icc_profile" not in stored.info
    assert not re.search(rb"tEXt|zTXt|iTXt|iCCP|eXIf", checked.data)


def test_a_png_with_transparency_stays_a_transparent_png():
    checked = inspect(png(Image.new("RGBA", (10, 10), (0, 0, 0, 0))), "stamp.png", MAX)
    stored = Image.open(io.BytesIO(checked.data))
    assert checked.media_type == "image/png" and stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


def test_a_very_long_image_is_scaled_to_the_cap():
    checked = inspect(jpeg((5000, 100)), "panorama.jpg", MAX)
    assert (checked.width, checked.height) == (4000, 80)


def test_content_wins_over_the_name():
    assert inspect(jpeg(), "certificate.pdf", MAX).media_type == "image/jpeg"


@pytest.mark.parametrize("data", [pdf(), compressed_pdf()], ids=["classic", "object-streams"])
def test_a_plain_pdf_is_stored_unchanged(data):
    checked = inspect(data, "certificate.pdf", MAX)
    assert (checked.media_type, checked.extension) == ("application/pdf", "pdf")
    assert checked.data == data and checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.width is None and checked.height is None


# --- storage ------------------------------------------------------------------------------------

def test_an_image_is_stored_under_a_random_name_with_a_thumbnail(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    data = inspect(jpeg((1000, 500)), "scan.jpg", MAX).data

    name = store.save(data, "jpg")
    store.publish(name)

    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)
    assert (tmp_path / name[:2] / name).read_bytes() == data
    with store.open(name) as f:
        assert f.read() == data
    thumbnail = Image.open(io.BytesIO(store.thumbnail(name)))
    assert thumbnail.format == "JPEG" and thumbnail.size == (320, 160)
    assert (tmp_path / name[:2] / f"{name}.thumb.jpg").exists()
    assert store.save(data, "jpg") != name


def test_a_transparent_png_gets_a_thumbnail_on_white(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    name = store.save(inspect(png(Image.new("RGBA", (10, 10), (0, 0, 0, 0))), "stamp.png", MAX).data, "png")
    store.publish(name)
    thumbnail = Image.open(io.BytesIO(store.thumbnail(name)))
    assert thumbnail.mode == "RGB" and min(thumbnail.getpixel((5, 5))) > 245


def test_a_pdf_has_no_thumbnail(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    name = store.save(pdf(), "pdf")
    store.publish(name)
    assert store.thumbnail(name) is None
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [name]


def test_delete_removes_the_file_and_its_thumbnail(tmp_path):
    store = LocalEvidenceStore(tmp_path)
    name = store.save(jpeg(), "jpg")
    store.publish(name)
    store.delete(name)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    with pytest.raises(FileNotFoundError):
        store.open(name)
    store.delete(name)


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "/etc/passwd", "0" * 32 + ".jpg/../../x", "0" * 32 + ".jpg.thumb.jpg",
    "0" * 32 + ".php", "A" * 32 + ".jpg", "0" * 31 + ".jpg", "0" * 32 + ".jpg\n", "00/" + "0" * 32 + ".jpg",
])
def test_names_the_store_could_not_have_chosen_are_refused(tmp_path, name):
    store = LocalEvidenceStore(tmp_path)
    for method in (store.open, store.delete, store.thumbnail):
        with pytest.raises(ValueError):
            method(name)


def test_only_evidence_extensions_are_saved(tmp_path):
    with pytest.raises(ValueError):
        LocalEvidenceStore(tmp_path).save(b"<?php ?>", "php")
    assert not list(tmp_path.iterdir())


# --- in the app ---------------------------------------------------------------------------------

def test_the_app_stores_evidence_in_its_instance_folder_not_a_static_one(app):
    with app.app_context():
        store = evidence_store()
        name = store.save(pdf(), "pdf")
        store.publish(name)
    path = Path(app.instance_path) / "evidence" / name[:2] / name
    assert path.is_file()
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())
    with app.app_context():
        evidence_store().delete(name)


def test_refusals_in_a_request_name_the_file(app):
    with app.test_request_context("/"):
        with pytest.raises(EvidenceRejected, match="photo.jpg"):
            inspect(b"<?php echo 1; ?>", "photo.jpg", MAX)
        with pytest.raises(EvidenceRejected, match="certificate.pdf"):
            inspect(pdf(with_javascript), "certificate.pdf", MAX)
