"""The rotating attendance codes: ``<PORTAL_BASE_URL>/a/<session>/<window>/<mac>``. The window is
the server's time in 30-second steps; the MAC is HMAC-SHA256 over (session, window, kind) under
the session's own secret, cut to 96 bits. The current and the previous window are accepted, so a
photo forwarded a minute later is refused; nothing is stored per code.

The clock is ``app.extensions["portal.clock"]`` when a test puts one there (seconds since the
epoch), the system's otherwise: the server's clock is the only clock."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from portal.models import ActivitySession
from portal.models.activities import CHECK_IN, CHECK_OUT

WINDOW_SECONDS = 30
MAC_BYTES = 12
KINDS = (CHECK_IN, CHECK_OUT)
_PATH = re.compile(r"^/a/(\d{1,9})/(\d{1,12})/([A-Za-z0-9_-]{16})/?$")


class CodeRefused(ValueError):
    """The code is forged or garbled (``bad_code``), or genuine but too old (``stale_code``)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class Scanned:
    session_id: int
    window: int
    mac: str


def clock() -> float:
    return current_app.extensions.get("portal.clock", time.time)()


def utc_now() -> dt.datetime:
    """The clock's time as DateTime columns hold it (UTC, naive)."""
    return dt.datetime.fromtimestamp(clock(), dt.UTC).replace(tzinfo=None)


def new_secret() -> str:
    return secrets.token_hex(32)


def window(at: float | None = None) -> int:
    return int((clock() if at is None else at) // WINDOW_SECONDS)


def mac(session: ActivitySession, window_number: int, kind: str) -> str:
    digest = hmac.new(bytes.fromhex(session.secret), f"{session.id}.{window_number}.{kind}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:MAC_BYTES]).decode()


def path(session: ActivitySession, kind: str) -> str:
    current = window()
    return f"/a/{session.id}/{current}/{mac(session, current, kind)}"


def url(session: ActivitySession, kind: str) -> str:
    return current_app.config["BASE_URL"] + path(session, kind)


def expires_in() -> float:
    """Seconds until the current window ends (the code stays accepted one window longer)."""
    return round(WINDOW_SECONDS - clock() % WINDOW_SECONDS, 1)


def parse(text: str) -> Scanned:
    """The parts of a scanned code (a full URL or its path); bad_code when it is none of ours."""
    found = _PATH.match(urlsplit(text.strip()).path if isinstance(text, str) else "")
    if not found:
        raise CodeRefused("bad_code")
    return Scanned(int(found.group(1)), int(found.group(2)), found.group(3))


def verify(session: ActivitySession, scanned: Scanned) -> str:
    """The kind of scan the genuine code asks for; bad_code for a forged one, stale_code for one
    older than the previous window."""
    kind = next((k for k in KINDS if hmac.compare_digest(mac(session, scanned.window, k), scanned.mac)), None)
    if kind is None:
        raise CodeRefused("bad_code")
    if scanned.window not in (window(), window() - 1):
        raise CodeRefused("stale_code")
    return kind
