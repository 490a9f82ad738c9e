"""Resident ID numbers sealed at rest. A number is kept twice, never in clear:

- ``id_sealed``: AES-256-GCM ciphertext, ``<key id>:<base64url(nonce + ciphertext + tag)>``; the key
  id names which key of the keys file opens it, so keys can rotate (``portal rotate-id-key``);
- ``id_hash``: HMAC-SHA256 of the normalised number under a separate key (hex), equal for equal
  numbers: it carries the UNIQUE constraint and every lookup (``Person.with_id_number``).

The keys file (``id_keys.json`` in the instance folder, or ``PORTAL_ID_KEYS_PATH``) is made, 0600,
at the first start that finds none; there is no default key. A database without its keys file is
useless: the backup takes the file with the database (docs/security.md)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

KEYS_FILE = "id_keys.json"
# Seconds between two looks at the keys file for a rotation made by another process.
CHECK_EVERY = 1.0
_NONCE = 12
# Binds a ciphertext to what it is: a sealed value copied into another purpose's column does not open.
_PURPOSE = b"resident-id-number"


class SealBroken(RuntimeError):
    """A sealed value no key of the keys file opens: the wrong keys file, or a tampered value."""


def normalised(number: str) -> str:
    """What is sealed and hashed: no spaces, an upper-case X. Callers parse the number first
    (portal.people.id_number); this keeps ``…x`` and ``…X`` one number whatever the path."""
    return "".join((number or "").split()).upper()


@dataclass
class IdKeys:
    """The keys of one keys file: encryption keys by id (``current`` seals), and the hash key."""

    path: Path
    current: str
    keys: dict[str, bytes]
    hash_key: bytes = field(repr=False)
    # When the file was read (its mtime), to notice a rotation by another process, and when that
    # was last checked (a stat a second at most: one per number would double a bulk sealing's time).
    read_at: int = field(default=0, repr=False, compare=False)
    checked_at: float = field(default=0.0, repr=False, compare=False)
    # One cipher per key, made once: making one costs more than sealing a number with it.
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)

    def _cipher(self, kid: str) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            cipher = self._ciphers[kid] = AESGCM(self.keys[kid])
        return cipher

    @classmethod
    def load(cls, path: Path) -> IdKeys:
        read_at = path.stat().st_mtime_ns
        data = json.loads(path.read_text())
        return cls(path=path, current=data["current"], hash_key=base64.b64decode(data["hash_key"]),
                   keys={kid: base64.b64decode(k) for kid, k in data["keys"].items()}, read_at=read_at)

    @classmethod
    def generate(cls, path: Path) -> IdKeys:
        """New random keys, to be kept in ``path`` (not written yet)."""
        return cls(path=path, current="k1", keys={"k1": AESGCM.generate_key(256)}, hash_key=secrets.token_bytes(32))

    def moved(self, path: Path) -> IdKeys:
        return IdKeys(path=path, current=self.current, keys=dict(self.keys), hash_key=self.hash_key)

    def save(self, exclusive: bool = False) -> None:
        """Written whole to a temporary file (0600) and moved over the old one, so a reader never
        sees half a file; ``exclusive``: refuse to replace an existing file."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = {"current": self.current, "hash_key": base64.b64encode(self.hash_key).decode(),
                "keys": {kid: base64.b64encode(k).decode() for kid, k in self.keys.items()}}
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(temporary, self.path)  # fails if another process made the file first
            temporary.unlink()
        else:
            temporary.replace(self.path)

    def with_new_key(self) -> IdKeys:
        """These keys and a new current one (the old ones stay, to open what they sealed)."""
        kid = f"k{max(int(k[1:]) for k in self.keys) + 1}"
        return IdKeys(path=self.path, current=kid, keys={**self.keys, kid: AESGCM.generate_key(256)},
                      hash_key=self.hash_key)

    def with_new_hash_key(self) -> IdKeys:
        return IdKeys(path=self.path, current=self.current, keys=dict(self.keys), hash_key=secrets.token_bytes(32))

    def seal(self, number: str) -> str:
        if self._changed_on_disk():
            self.reload()  # ``portal rotate-id-key`` made a new current key: seal with it
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._cipher(self.current).encrypt(nonce, normalised(number).encode(), _PURPOSE)
        return f"{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str) -> str:
        kid, _, body = sealed.partition(":")
        if kid not in self.keys:
            self.reload()  # another process rotated the keys since this one read them
        if kid not in self.keys:
            raise SealBroken(f"no key {kid!r} in {self.path}")
        raw = base64.urlsafe_b64decode(body)
        try:
            return self._cipher(kid).decrypt(raw[:_NONCE], raw[_NONCE:], _PURPOSE).decode()
        except InvalidTag:
            raise SealBroken(f"key {kid!r} of {self.path} does not open this value") from None

    def digest(self, number: str) -> str:
        return hmac.new(self.hash_key, normalised(number).encode(), hashlib.sha256).hexdigest()

    def _changed_on_disk(self) -> bool:
        if time.monotonic() - self.checked_at < CHECK_EVERY:
            return False
        self.checked_at = time.monotonic()
        try:
            return self.path.stat().st_mtime_ns != self.read_at
        except FileNotFoundError:
            return False

    def reload(self) -> None:
        fresh = IdKeys.load(self.path)
        self.current, self.keys, self.hash_key, self.read_at = fresh.current, fresh.keys, fresh.hash_key, fresh.read_at
        self._ciphers = {}


class SealedIdNumber:
    """A model's ``id_number``: setting it fills ``id_hash`` (and ``id_sealed`` unless the model
    keeps only the hash); reading opens ``id_sealed``. At class level it compares with nothing:
    ``Person.id_number == x`` would silently be False in a query, so it raises instead."""

    def __init__(self, readable: bool = True):
        self.readable = readable

    def __set_name__(self, owner: type, name: str) -> None:
        self.model = owner.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return _NotAColumn(self.model)
        if not self.readable:
            raise AttributeError(f"a {self.model} keeps only the hash of its ID number")
        return unseal(instance.id_sealed) if instance.id_sealed else ""

    def __set__(self, instance, number: str) -> None:
        if self.readable:
            instance.id_sealed = seal(number)
        instance.id_hash = id_hash(number)


class _NotAColumn:
    def __init__(self, model: str):
        self.model = model

    def __eq__(self, other):
        raise TypeError(f"ID numbers are sealed: query with {self.model}.with_id_number(number) or its id_hash column")

    __ne__ = in_ = __eq__
    __hash__ = None


def keys_path(app: Flask) -> Path:
    return Path(app.config.get("ID_KEYS_PATH") or Path(app.instance_path) / KEYS_FILE)


def init_app(app: Flask) -> None:
    """Load the keys file, making it when there is none (with a warning: a database sealed under
    other keys needs its own file back, which ``check_readable`` notices at start-up)."""
    path = keys_path(app)
    if not path.exists():
        try:
            IdKeys.generate(path).save(exclusive=True)
            logging.getLogger("portal").warning("No ID number keys were found: made new ones in %s.", path)
        except FileExistsError:
            pass  # another worker made it a moment ago
    app.extensions["id_keys"] = IdKeys.load(path)


def keys() -> IdKeys:
    return current_app.extensions["id_keys"]


def seal(number: str) -> str:
    return keys().seal(number)


def unseal(sealed: str) -> str:
    return keys().open(sealed)


def id_hash(number: str) -> str:
    """The lookup key of an ID number: compare it with an ``id_hash`` column."""
    return keys().digest(number)


def id_hashes(numbers: Iterable[str]) -> dict[str, str]:
    """hash → number, for looking many numbers up at once and naming what was found."""
    found = keys()
    return {found.digest(n): n for n in numbers}
