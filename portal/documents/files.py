"""Issued documents as files and print pages, written by the exporter of their kind (whichever
plugin registered it): one file for several documents, or a ZIP of one file each."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import BinaryIO

from flask import Response, abort, current_app

from portal.contracts import DocumentExporter, DocumentKind, Statement
from portal.exports.responses import send_written


def exporter_of(kind: DocumentKind) -> DocumentExporter:
    """The exporter of ``kind``; 404 when no plugin writes such documents."""
    exporter = current_app.extensions["portal"].exporter_of(kind)
    if exporter is None:
        abort(404)
    return exporter()


def send(kind: DocumentKind, documents: Sequence[Statement], name: str) -> Response:
    """The documents in one file named ``name`` (the extension is the exporter's)."""
    exporter = exporter_of(kind)
    return send_written(lambda out: exporter.write(list(documents), out), exporter.media_type,
                        f"{name}.{exporter.file_extension}")


def send_zip(kind: DocumentKind, documents: Sequence[tuple[str, Statement]], name: str) -> Response:
    """A ZIP named ``name`` with a file per (file name without extension, document)."""
    exporter = exporter_of(kind)

    def write(out: BinaryIO) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for stem, document in documents:
                page = io.BytesIO()
                exporter.write([document], page)
                archive.writestr(f"{stem}.{exporter.file_extension}", page.getvalue())

    return send_written(write, "application/zip", f"{name}.zip")


def page(kind: DocumentKind, documents: Sequence[Statement], toolbar: str) -> str:
    """The documents as printed, on one HTML page, ``toolbar`` above them on screen."""
    return exporter_of(kind).html(list(documents), toolbar)
