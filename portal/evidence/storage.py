"""Where evidence files live. The record pages talk to ``evidence_store()`` only, so object
storage can replace the local folder by implementing ``EvidenceStore``."""
from __future__ import annotations

import io
import re
import secrets
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image

THUMBNAIL_SIDE = 320
_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|pdf)")
_IMAGE_EXTENSIONS = ("jpg", "png")


class EvidenceStore(ABC):
    """Stores files that passed ``checks.inspect`` under names it chooses. Every method refuses
    (ValueError) a name that it could not have chosen."""

    @abstractmethod
    def save(self, data: bytes, extension: str) -> str:
        """Store ``data`` ("jpg", "png" or "pdf"), with a thumbnail for images; returns its name."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """The stored file, ready for ``send_file`` (which closes it). FileNotFoundError if gone."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file and its thumbnail; a name already gone is not an error."""

    @abstractmethod
    def thumbnail(self, name: str) -> bytes | None:
        """A JPEG at most THUMBNAIL_SIDE pixels on its longest side; None for a PDF."""


class LocalEvidenceStore(EvidenceStore):
    """Files in ``root/<first two characters of the name>/``, thumbnails beside them."""

    def __init__(self, root: Path):
        self.root = root

    def save(self, data: bytes, extension: str) -> str:
        if extension not in (*_IMAGE_EXTENSIONS, "pdf"):
            raise ValueError(f"not an evidence file extension: {extension!r}")
        name = f"{secrets.token_hex(16)}.{extension}"
        thumbnail = make_thumbnail(data) if extension in _IMAGE_EXTENSIONS else None
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as f:
            f.write(data)
        if thumbnail:
            self._thumbnail_path(name).write_bytes(thumbnail)
        return name

    def open(self, name: str) -> BinaryIO:
        return self._path(name).open("rb")

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
        self._thumbnail_path(name).unlink(missing_ok=True)

    def thumbnail(self, name: str) -> bytes | None:
        path = self._thumbnail_path(name)  # refuses a foreign name, a PDF's too
        return path.read_bytes() if name.endswith(_IMAGE_EXTENSIONS) else None

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not an evidence file name: {name!r}")
        return self.root / name[:2] / name

    def _thumbnail_path(self, name: str) -> Path:
        return self._path(name).with_name(f"{name}.thumb.jpg")


def make_thumbnail(data: bytes) -> bytes:
    """A small JPEG of a checked image, transparent parts on white."""
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG decodes straight at a smaller scale
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        if image.mode != "RGB":
            image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA")).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()


def evidence_store() -> EvidenceStore:
    """The store of the current app: the instance folder, never a static one."""
    return LocalEvidenceStore(Path(current_app.instance_path) / "evidence")
