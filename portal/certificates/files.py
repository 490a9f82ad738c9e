"""Certificate files: one PDF (a page each) or a ZIP of one PDF each, written by the exporter of
certificates."""
from __future__ import annotations

from flask import Response

from portal.contracts import DocumentKind
from portal.documents import files
from portal.models import Certificate


def send_pdf(certificates: list[Certificate]) -> Response:
    """One file; named after the certificate when there is one, else 学分证书."""
    name = certificates[0].number if len(certificates) == 1 else "学分证书"
    return files.send(DocumentKind.CERTIFICATE, [c.statement for c in certificates], name)


def send_zip(certificates: list[Certificate]) -> Response:
    """A ZIP with one file per certificate, named by its number."""
    return files.send_zip(DocumentKind.CERTIFICATE, [(c.number, c.statement) for c in certificates], "学分证书")
