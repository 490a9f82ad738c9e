"""Certificate files: one PDF (a page each) or a ZIP of one PDF each, written by the
``certificate_pdf`` document exporter plugin, looked up when asked for."""
from __future__ import annotations

import io
import tempfile
import zipfile

from flask import Response

from portal.exports.documents import document_exporter_class, send_documents
from portal.exports.responses import send_attachment
from portal.models import Certificate

EXPORTER = "certificate_pdf"


def send_pdf(certificates: list[Certificate]) -> Response:
    """One PDF; named after the certificate when there is one, else 学分证书.pdf."""
    name = certificates[0].number if len(certificates) == 1 else "学分证书"
    return send_documents(EXPORTER, [c.statement for c in certificates], name)


def send_zip(certificates: list[Certificate]) -> Response:
    """A ZIP with one PDF per certificate, named by its number."""
    exporter = document_exporter_class(EXPORTER)()
    file = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                page = io.BytesIO()
                exporter.write([certificate.statement], page)
                archive.writestr(f"{certificate.number}.{exporter.file_extension}", page.getvalue())
    except BaseException:
        file.close()
        raise
    return send_attachment(file, "application/zip", "学分证书.zip")
