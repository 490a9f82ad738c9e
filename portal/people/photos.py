"""Profile photos: recognised by content (JPEG or PNG), re-encoded without metadata, stored
under a random name in the instance folder and served only through a checked view."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800


class PhotoRejected(ValueError):
    pass


def photo_dir() -> Path:
    path = Path(current_app.instance_path) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes, old_name: str | None) -> str:
    """Check and re-encode an uploaded photo; returns the new file name."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("The photo is larger than 5 MB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                raise PhotoRejected(_("The photo must be a JPG or PNG image."))
            image.load()
            clean = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoRejected(_("The photo must be a JPG or PNG image.")) from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    name = f"{secrets.token_hex(16)}.jpg"
    clean.save(photo_dir() / name, "JPEG", quality=85)
    if old_name:
        (photo_dir() / old_name).unlink(missing_ok=True)
    return name


def path_of(name: str) -> Path:
    return photo_dir() / Path(name).name
