"""Profile photos: recognised by content (JPEG or PNG), re-encoded without metadata, stored
under a random name in the instance folder and served only through a checked view."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.images import ImageRefused, Refusal, decode

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
# A phone's camera takes at most about 50 megapixels; decoded, that is some 150 MB already.
MAX_PIXELS = 50_000_000


class PhotoRejected(ValueError):
    pass


_REFUSALS = {
    Refusal.FORMAT: lambda: _("The photo must be a JPG or PNG image."),
    Refusal.PIXELS: lambda: _("The photo has too many pixels: at most %(mp)d megapixels.", mp=MAX_PIXELS // 1_000_000),
    Refusal.DAMAGED: lambda: _("The photo is damaged or incomplete and cannot be opened."),
}


def photo_dir() -> Path:
    path = Path(current_app.instance_path) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes, old_name: str | None) -> str:
    """Check and re-encode an uploaded photo; returns the new file name."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("The photo is larger than 5 MB."))
    try:
        clean = decode(data, ("JPEG", "PNG"), MAX_PIXELS).convert("RGB")
    except ImageRefused as refused:
        raise PhotoRejected(_REFUSALS[refused.reason]()) from None
    except (OSError, ValueError):
        raise PhotoRejected(_REFUSALS[Refusal.DAMAGED]()) from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    name = f"{secrets.token_hex(16)}.jpg"
    clean.save(photo_dir() / name, "JPEG", quality=85)
    if old_name:
        (photo_dir() / old_name).unlink(missing_ok=True)
    return name


def path_of(name: str) -> Path:
    return photo_dir() / Path(name).name
