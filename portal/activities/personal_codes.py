"""我的二维码: a person's time-based code (RFC 6238, 30 s, six digits) that the organiser's phone
scans. The QR text is ``CME1:<person id>:<code>``; the per-person key is kept encrypted with a
Fernet key in the instance folder (``personal_codes.key``), so a copy of the database alone
cannot make anyone's codes. A lost key file only means new personal keys: nothing else uses it."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from portal.activities.codes import WINDOW_SECONDS, clock

KEY_FILE = "personal_codes.key"
_TEXT = re.compile(r"^CME1:(\d{1,9}):(\d{6})$")


def _fernet() -> Fernet:
    cached = current_app.extensions.get("portal.personal_codes")
    if cached is None:
        path = Path(current_app.instance_path) / KEY_FILE
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
            except FileExistsError:  # another worker made it first
                pass
        cached = current_app.extensions["portal.personal_codes"] = Fernet(path.read_bytes().strip())
    return cached


def new_secret() -> tuple[str, str]:
    """A new key: (the secret, its encrypted form to store)."""
    secret = pyotp.random_base32()
    return secret, _fernet().encrypt(secret.encode()).decode()


def secret_of(encrypted: str) -> str | None:
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken:
        return None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=WINDOW_SECONDS)


def text(person_id: int, secret: str) -> str:
    """What the QR code says now."""
    return f"CME1:{person_id}:{_totp(secret).at(clock())}"


def expires_in() -> float:
    return round(WINDOW_SECONDS - clock() % WINDOW_SECONDS, 1)


def parse(scanned: str) -> tuple[int, str] | None:
    found = _TEXT.match(scanned.strip()) if isinstance(scanned, str) else None
    return (int(found.group(1)), found.group(2)) if found else None


def matches(secret: str, code: str) -> bool:
    """The code is this window's or the previous one's (a screenshot is useless a minute later)."""
    return _totp(secret).verify(code, for_time=clock(), valid_window=1)
