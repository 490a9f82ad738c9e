"""Where evidence files live. The record pages talk to ``evidence_store()`` only, so object
storage can replace the local folder by implementing ``EvidenceStore``.

A file is first written under a temporary name and moved into place only once the row that
names it is committed (``save_in_transaction``): a transaction that fails, a worker killed or a
database restarting leaves at most a temporary file, which ``portal.evidence.sweep`` removes."""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.extensions import db

THUMBNAIL_SIDE = 320
TEMPORARY = ".part"
_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|pdf)")
_IMAGE_EXTENSIONS = ("jpg", "png")
_FULL = (errno.ENOSPC, errno.EDQUOT)
# session.info key: the (store, name) pairs written in the session's transaction.
_STAGED = "portal.evidence.staged"


class StorageFull(OSError):
    """The evidence folder has no room (disk or quota full): nothing was stored."""

    def message(self) -> str:
        return _("The disk is full: the file was not saved. Try again later or tell your administrator.")


@dataclass(frozen=True)
class Entry:
    """A file in the store, as the sweep sees it: ``name`` is the stored name it has or will have."""

    name: str
    temporary: bool
    modified: dt.datetime  # UTC


class EvidenceStore(ABC):
    """Stores files that passed ``checks.inspect`` under names it chooses. Every method refuses
    (ValueError) a name that it could not have chosen."""

    @abstractmethod
    def save(self, data: bytes, extension: str) -> str:
        """Write ``data`` ("jpg", "png" or "pdf"), with a thumbnail for images, under a temporary
        name; returns the name it has once published. StorageFull when there is no room, with
        nothing left behind."""

    @abstractmethod
    def publish(self, name: str) -> None:
        """Move a saved file (and its thumbnail) into place."""

    @abstractmethod
    def discard(self, name: str) -> None:
        """Remove a saved file that was not published; a name already gone is not an error."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """The stored file, ready for ``send_file`` (which closes it). FileNotFoundError if gone."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file and its thumbnail; a name already gone is not an error."""

    @abstractmethod
    def thumbnail(self, name: str) -> bytes | None:
        """A JPEG at most THUMBNAIL_SIDE pixels on its longest side; None for a PDF.
        FileNotFoundError if gone."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether the published file is there."""

    @abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every file in the store, published or temporary (thumbnails go with their file)."""


class LocalEvidenceStore(EvidenceStore):
    """Files in ``root/<first two characters of the name>/``, thumbnails beside them; a file not
    yet published has ``.part`` appended to its name, in the same folder (so publishing is a rename)."""

    def __init__(self, root: Path):
        self.root = root

    def save(self, data: bytes, extension: str) -> str:
        if extension not in (*_IMAGE_EXTENSIONS, "pdf"):
            raise ValueError(f"not an evidence file extension: {extension!r}")
        name = f"{secrets.token_hex(16)}.{extension}"
        thumbnail = make_thumbnail(data) if extension in _IMAGE_EXTENSIONS else None
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write(_temporary(path), data)
            if thumbnail:
                self._write(_temporary(self._thumbnail_path(name)), thumbnail)
        except OSError as e:
            self.discard(name)
            if e.errno in _FULL:
                raise StorageFull(e.errno, os.strerror(e.errno)) from e
            raise
        return name

    def publish(self, name: str) -> None:
        thumbnail = self._thumbnail_path(name)
        if _temporary(thumbnail).exists():
            os.replace(_temporary(thumbnail), thumbnail)
        os.replace(_temporary(self._path(name)), self._path(name))

    def discard(self, name: str) -> None:
        _temporary(self._path(name)).unlink(missing_ok=True)
        _temporary(self._thumbnail_path(name)).unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        return self._path(name).open("rb")

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
        self._thumbnail_path(name).unlink(missing_ok=True)

    def thumbnail(self, name: str) -> bytes | None:
        path = self._thumbnail_path(name)  # refuses a foreign name, a PDF's too
        return path.read_bytes() if name.endswith(_IMAGE_EXTENSIONS) else None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def entries(self) -> Iterator[Entry]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                temporary = path.name.endswith(TEMPORARY)
                name = path.name.removesuffix(TEMPORARY)
                if not _NAME.fullmatch(name) or name[:2] != folder.name:
                    continue  # thumbnails, and anything the store did not write
                try:
                    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
                except FileNotFoundError:  # published or removed meanwhile
                    continue
                yield Entry(name, temporary, modified)

    def _write(self, path: Path, data: bytes) -> None:
        """The one place bytes reach the disk."""
        with path.open("xb") as f:
            f.write(data)

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not an evidence file name: {name!r}")
        return self.root / name[:2] / name

    def _thumbnail_path(self, name: str) -> Path:
        return self._path(name).with_name(f"{name}.thumb.jpg")


def _temporary(path: Path) -> Path:
    return path.with_name(path.name + TEMPORARY)


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


def save_in_transaction(data: bytes, extension: str) -> str:
    """Save a file for a row written in the current transaction of ``db.session``: it is
    published when that transaction commits and discarded when it ends otherwise."""
    store = evidence_store()
    name = store.save(data, extension)
    db.session.info.setdefault(_STAGED, []).append((store, name))
    return name


@event.listens_for(Session, "after_commit")
def _publish_staged(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is durable yet
        return
    for store, name in session.info.pop(_STAGED, []):
        store.publish(name)


@event.listens_for(Session, "after_transaction_end")
def _discard_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for store, name in session.info.pop(_STAGED, []):
            store.discard(name)
