"""Certificate files: one PDF (a page each) or a ZIP of one PDF each, written by the
``certificate_pdf`` document exporter plugin, looked up when asked for."""
from __future__ import annotations

import io
import tempfile
import zipfile

from flask import Response, abort, current_app

from portal.contracts import DocumentExporter
from portal.exports.responses import send_attachment
from portal.models import Certificate

EXPORTER = "certificate_pdf"


def exporter_class() -> type[DocumentExporter]:
    """The certificate PDF exporter; 404 when no plugin provides it."""
    exporter = current_app.extensions["portal"].exporters.get(EXPORTER)
    if not (isinstance(exporter, type) and issubclass(exporter, DocumentExporter)):
        abort(404)
    return exporter


def _pdf(certificates: list[Certificate], out) -> None:
    exporter_class()().write([c.statement for c in certificates], out)


def send_pdf(certificates: list[Certificate]) -> Response:
    """One PDF; named after the certificate when there is one, else 学分证书.pdf."""
    exporter = exporter_class()
    file = tempfile.TemporaryFile()
    try:
        _pdf(certificates, file)
    except BaseException:
        file.close()
        raise
    name = certificates[0].number if len(certificates) == 1 else "学分证书"
    return send_attachment(file, exporter.media_type, f"{name}.{exporter.file_extension}")


def send_zip(certificates: list[Certificate]) -> Response:
    """A ZIP with one PDF per certificate, named by its number."""
    exporter = exporter_class()
    file = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                page = io.BytesIO()
                _pdf([certificate], page)
                archive.writestr(f"{certificate.number}.{exporter.file_extension}", page.getvalue())
    except BaseException:
        file.close()
        raise
    return send_attachment(file, "application/zip", "学分证书.zip")
