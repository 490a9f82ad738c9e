"""Sending an evidence file: only re-encoded images are shown inline, a PDF is a download; the
browser never guesses another type (nosniff); the file name is the learner's, cleaned."""
from __future__ import annotations

import unicodedata
from typing import BinaryIO

from flask import Response, send_file

# Images the checks re-encoded: nothing of the uploaded bytes is left to run.
INLINE = ("image/jpeg", "image/png")
MAX_NAME = 200


def clean_name(name: str, extension: str) -> str:
    """The file name without control or format characters (line breaks, NUL, bidi overrides),
    path separators or quotes, at most MAX_NAME characters; ``evidence.<extension>`` when nothing is left."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '/\\"')
    return kept.strip().lstrip(".")[:MAX_NAME] or f"evidence.{extension}"


def send(stored: BinaryIO, media_type: str, name: str, extension: str) -> Response:
    response = send_file(stored, mimetype=media_type, as_attachment=media_type not in INLINE,
                         download_name=clean_name(name, extension), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
