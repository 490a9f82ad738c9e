"""Risky PDFs and downloads (issue 17, item 6): evidence PDFs hold only what a scanned
certificate needs (any action, link elsewhere, form, XFA or attached file is refused), a virus
scan through clamd when configured (tested against a small clamd speaking INSTREAM on a local
socket), and evidence served as a download (inline only for re-encoded images) with nosniff and
a cleaned RFC 5987 file name."""
from __future__ import annotations

import io
import socketserver
import threading

import pytest
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from portal.evidence import EvidenceRejected, inspect
from portal.extensions import db
from portal.models import EvidenceFile
from tests.helpers import free_port, login
from tests.test_credit_api import World, create, png, stored
from tests.test_evidence import MAX, compressed_pdf, pdf

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
REFUSED = "which evidence may not have"


@pytest.fixture
def world(app, users):
    return World(app, users)


def scanned_certificate() -> bytes:
    """A PDF as a scanner writes it: one page holding one image."""
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(out, "PDF", resolution=72)
    return out.getvalue()


def link(action: dict) -> callable:
    def change(writer):
        writer.pages[0][NameObject("/Annots")] = ArrayObject([DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/A"): DictionaryObject({NameObject(k): v for k, v in action.items()})})])
    return change


def catalog(key: str, value) -> callable:
    def change(writer):
        writer._root_object[NameObject(key)] = value
    return change


URI = {"/S": NameObject("/URI"), "/URI": TextStringObject("https://evil.example/collect")}
SUBMIT = DictionaryObject({NameObject("/S"): NameObject("/SubmitForm"),
                           NameObject("/F"): TextStringObject("https://evil.example/form")})


@pytest.mark.parametrize("change", [
    link(URI),
    link({"/S": NameObject("/GoToR"), "/F": TextStringObject("other.pdf"), "/D": ArrayObject([NumberObject(0)])}),
    catalog("/OpenAction", SUBMIT),
    catalog("/URI", DictionaryObject({NameObject("/Base"): TextStringObject("https://evil.example/")})),
    catalog("/AcroForm", DictionaryObject({NameObject("/Fields"): ArrayObject()})),
    catalog("/Collection", DictionaryObject()),  # a portfolio: nothing we name, refused all the same
], ids=["uri-link", "remote-go-to", "open-action-submit", "base-uri", "form", "unknown-catalog-entry"])
def test_a_pdf_with_actions_links_elsewhere_or_forms_is_refused(change):
    with pytest.raises(EvidenceRejected) as caught:
        inspect(pdf(change), "证书.pdf", MAX)
    assert REFUSED in str(caught.value)


@pytest.mark.parametrize("extra", [
    {"page_extra": b"/Annots [4 0 R]", "extra": [b"<< /Subtype /Widget /Rect [0 0 9 9] /FT /Tx >>"]},
    {"catalog_extra": b"/AcroForm << /XFA 4 0 R >>", "extra": [b"<< /Length 0 >>"]},
    {"catalog_extra": b"/Outlines 4 0 R", "extra": [b"<< /First 5 0 R /Count 1 >>",
                                                     b"<< /Title (x) /Parent 4 0 R /A << /S /URI /URI (https://e.x) >> >>"]},
    {"page_extra": b"/Annots [4 0 R]", "extra": [b"<< /Subtype /Sound /Rect [0 0 9 9] >>"]},
], ids=["form-widget", "xfa", "outline-uri", "unlisted-annotation"])
def test_the_same_hidden_in_compressed_object_streams_is_refused(extra):
    data = compressed_pdf(*extra.get("extra", []), page_extra=extra.get("page_extra", b""),
                          catalog_extra=extra.get("catalog_extra", b""))
    with pytest.raises(EvidenceRejected) as caught:
        inspect(data, "证书.pdf", MAX)
    assert REFUSED in str(caught.value)


@pytest.mark.parametrize("data", [
    scanned_certificate(),
    pdf(catalog("/OpenAction", ArrayObject([NumberObject(0), NameObject("/Fit")]))),
    pdf(link({"/S": NameObject("/GoTo"), "/D": ArrayObject([NumberObject(0), NameObject("/Fit")])})),
    compressed_pdf(b"<< /Type /StructTreeRoot /K 5 0 R >>", b"<< /Type /StructElem /S /P /P 4 0 R /A << /O /Layout >> >>",
                   catalog_extra=b"/StructTreeRoot 4 0 R /MarkInfo << /Marked true >> /Lang (zh-CN)"),
], ids=["scanned-image", "open-at-a-page", "link-within", "tagged"])
def test_what_a_scanned_certificate_needs_passes(data):
    assert inspect(data, "证书.pdf", MAX).data == data


def test_a_pdf_linking_elsewhere_is_refused_through_the_api_in_chinese_and_nothing_is_stored(app, world):
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    before = stored(app)
    answer = learner.upload(record["id"], pdf(link(URI)), "证书.pdf")
    assert answer.status_code == 400
    assert "含有脚本、动作、外部链接、表单或附件" in answer.json["message"]["file"][0]
    assert stored(app) == before


# --- the virus scan -------------------------------------------------------------------------------

class FakeClamd(socketserver.BaseRequestHandler):
    """clamd's INSTREAM command: length-prefixed chunks up to a zero length, then one answer."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            size = int.from_bytes(self._read(4), "big")
            if size == 0:
                break
            data += self._read(size)
        self.server.scanned.append(data)
        found = EICAR in data
        self.request.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def _read(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += self.request.recv(n - len(out))
        return out


@pytest.fixture(params=["unix", "tcp"])
def clamd(request, tmp_path, app, monkeypatch):
    if request.param == "unix":
        address = str(tmp_path / "clamd.sock")
        server = socketserver.ThreadingUnixStreamServer(address, FakeClamd)
    else:
        port = free_port()
        address = f"127.0.0.1:{port}"
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), FakeClamd)
    server.scanned = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "CLAMD_SOCKET", address)
    yield server
    server.shutdown()
    server.server_close()


def test_clamd_sees_every_upload_and_a_virus_is_refused_with_nothing_stored(app, world, clamd):
    """scan_upload (the built-in scanners.clamd plugin) gets each checked upload; a finding refuses it."""
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    clean = scanned_certificate()
    assert learner.upload(record["id"], clean, "证书.pdf").status_code == 201
    assert clamd.scanned == [clean]

    before = stored(app)
    infected = scanned_certificate() + b"%" + EICAR + b"\n"
    answer = learner.upload(record["id"], infected, "证书2.pdf")
    assert answer.status_code == 400 and "未通过病毒扫描" in answer.json["message"]["file"][0]
    assert clamd.scanned[-1] == infected and stored(app) == before


def test_a_configured_clamd_that_is_down_lets_nothing_through(app, world, monkeypatch, tmp_path):
    """scan_upload raising (clamd unreachable) refuses the upload: a configured scan fails closed."""
    monkeypatch.setitem(app.config, "CLAMD_SOCKET", str(tmp_path / "nobody-listens.sock"))
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    before = stored(app)
    answer = learner.upload(record["id"], png(), "证书.png")
    assert answer.status_code == 400 and "暂时无法进行病毒扫描" in answer.json["message"]["file"][0]
    assert stored(app) == before


def test_without_clamd_configured_uploads_are_not_scanned(app, world):
    assert not app.config.get("CLAMD_SOCKET")
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    assert learner.upload(record["id"], scanned_certificate(), "证书.pdf").status_code == 201


# --- downloads ------------------------------------------------------------------------------------

def signed_in(app, caller):
    """A browser session of the API caller's account (evidence is served to pages)."""
    client = app.test_client()
    login(client, caller.made.username, caller.made.password)
    return client


def test_a_pdf_is_a_download_an_image_inline_never_sniffed(app, world):
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    pdf_url = learner.upload(record["id"], scanned_certificate(), "证书.pdf").json["result"]["url"]
    png_url = learner.upload(record["id"], png(), "照片.png").json["result"]["url"]
    reviewer = signed_in(app, world["admin"])
    as_pdf, as_png = reviewer.get(pdf_url), reviewer.get(png_url)
    assert as_pdf.headers["Content-Disposition"].startswith("attachment;")
    assert as_pdf.headers["Content-Disposition"].endswith("filename*=UTF-8''%E8%AF%81%E4%B9%A6.pdf")
    assert as_png.headers["Content-Disposition"].startswith("inline;")
    assert as_pdf.headers["X-Content-Type-Options"] == as_png.headers["X-Content-Type-Options"] == "nosniff"


def test_control_characters_never_reach_the_file_name_header(app, world):
    learner = world["learner"]
    record = create(app, learner, world["unit"])
    uploaded = learner.upload(record["id"], scanned_certificate(), "证书\t\u202efdp.exe.pdf")
    assert uploaded.json["result"]["name"] == "证书fdp.exe.pdf"
    # A row written before names were cleaned, or by hand.
    with app.app_context():
        row = db.session.get(EvidenceFile, uploaded.json["id"])
        row.original_name = "a\r\nSet-Cookie: x=1\x1b.pdf"
        db.session.commit()
    disposition = signed_in(app, learner).get(uploaded.json["result"]["url"]).headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "\x1b" not in disposition
    assert disposition == 'attachment; filename="aSet-Cookie: x=1.pdf"'
