"""The enrollment as the core keeps it: the descriptor encrypted with Fernet (AES-128-CBC and
HMAC-SHA256, from `cryptography`) under a key of its own in the instance folder (faces.key, mode
0600), so that a copy of the database alone tells nothing about anyone's face. Check-in photos travel to
their check sealed the same way."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet

KEY_FILE = "faces.key"


def _fernet(instance_path: str) -> Fernet:
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        draft = path.with_name(f"{KEY_FILE}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
        try:
            os.link(draft, path)  # atomic: of two processes making the key at once, the first one's is kept
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return Fernet(path.read_bytes())


def seal_photo(instance_path: str, photo: bytes) -> bytes:
    """A check-in photo on its way to the check (through Redis when RQ runs it): sealed too."""
    return _fernet(instance_path).encrypt(photo)


def unseal_photo(instance_path: str, sealed: bytes) -> bytes:
    return _fernet(instance_path).decrypt(sealed)


def seal(instance_path: str, descriptor: np.ndarray) -> bytes:
    return _fernet(instance_path).encrypt(descriptor.astype("<f8").tobytes())


def unseal(instance_path: str, sealed: bytes) -> np.ndarray:
    return np.frombuffer(_fernet(instance_path).decrypt(sealed), dtype="<f8")
