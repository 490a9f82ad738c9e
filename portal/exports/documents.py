"""Documents (certificates, forms) written by their ``DocumentExporter`` plugin and sent."""
from __future__ import annotations

import tempfile
from collections.abc import Mapping
from typing import Any

from flask import Response, abort, current_app

from portal.contracts import DocumentExporter
from portal.exports.responses import send_attachment


def document_exporter_class(slug: str) -> type[DocumentExporter]:
    """The registered document exporter ``slug`` (the counterpart of ``exporter_class`` for
    tables); 404 when no plugin provides it."""
    exporter = current_app.extensions["portal"].exporters.get(slug)
    if not (isinstance(exporter, type) and issubclass(exporter, DocumentExporter)):
        abort(404)
    return exporter


def send_documents(slug: str, documents: list[Mapping[str, Any]], name: str) -> Response:
    """The documents in one file named ``name`` (the extension is the exporter's)."""
    exporter = document_exporter_class(slug)()
    file = tempfile.TemporaryFile()
    try:
        exporter.write(documents, file)
    except BaseException:
        file.close()
        raise
    return send_attachment(file, exporter.media_type, f"{name}.{exporter.file_extension}")
