"""Sending an exported file: written to a temporary file first (an exporter needs a seekable
file, and a half-written export must not reach the user), then streamed in chunks."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, abort, current_app, request
from werkzeug.wsgi import wrap_file

from portal.contracts import Exporter, Table

CHUNK = 64 * 1024


def exporter_class(slug: str) -> type[Exporter]:
    """The registered table exporter ``slug``; 404 when no plugin provides it (a document
    exporter, such as the certificate PDF, cannot write a table and is not one)."""
    exporter = current_app.extensions["portal"].exporters.get(slug)
    if not (isinstance(exporter, type) and issubclass(exporter, Exporter)):
        abort(404)
    return exporter


def content_disposition(filename: str) -> str:
    """An attachment header that every browser reads: an ASCII ``filename`` fallback and the real
    (Chinese) name percent-encoded in ``filename*`` (RFC 6266 / RFC 5987)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_-") or "export"
    if extension:
        fallback += "." + re.sub(r"[^A-Za-z0-9]+", "", extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def send_attachment(file: BinaryIO, media_type: str, filename: str) -> Response:
    """Stream the open ``file`` (closed when the response ends) as the download ``filename``."""
    # The size from the file object, not the disk: what a writer left in its buffer counts too.
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    response = Response(wrap_file(request.environ, file, CHUNK), mimetype=media_type, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_written(write: Callable[[BinaryIO], None], media_type: str, filename: str) -> Response:
    """Have ``write`` fill a temporary file, then send it as the download ``filename``; the file is
    removed when the response is closed (or at once, when writing fails)."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    try:
        write(file)
    except BaseException:
        file.close()
        raise
    return send_attachment(file, media_type, filename)


def send_table(table: Table, exporter_slug: str) -> Response:
    """Write ``table`` with the exporter ``exporter_slug`` and send it."""
    exporter = exporter_class(exporter_slug)
    return send_written(lambda out: exporter().write(table, out), exporter.media_type,
                        f"{table.filename}.{exporter.file_extension}")
