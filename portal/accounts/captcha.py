"""The login form's image captcha (验证码), generated offline, with its audio alternative.

A challenge is a random nonce kept in the signed session with its expiry; its answer is derived
from the nonce with the app's secret key, so showing a picture (or reading it aloud) writes
nothing. Checking an answer is what writes: the nonce is recorded as used, so that a challenge
answers one check, right or wrong, however often its session cookie is replayed."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from flask import current_app, session
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import CaptchaChallenge
from portal.models.clock import now

# No 0/O, 1/I/L: easy to read for people who are not young, on small screens too.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
SESSION_KEY = "captcha"
# Dark ink on a light ground: the library's random colours can be too pale to read.
INK, PAPER = (24, 39, 71), (250, 250, 245)


class ReadableCaptcha(ImageCaptcha):
    """The library's picture with its own options set for people rather than for machines:
    characters turned and warped less, never overlapping, large, and no stray gaps (a person
    misread 3 codes in 9 with the defaults: ±30° turns, 25 % overlap)."""

    # The library pastes a character through its own brightness, which would fade dark ink: opaque instead.
    lookup_table = [0] + [255] * 255
    character_rotate = (-12, 12)
    character_warp_dx = (0.05, 0.12)
    character_warp_dy = (0.05, 0.12)
    word_space_probability = 1.0  # no extra space between characters, so they keep their order
    word_offset_dx = 0.0  # characters side by side, not over each other

    def __init__(self):
        super().__init__(width=160, height=60, font_sizes=(40, 44))


def _answer(nonce: str) -> str:
    # Only test configuration sets CAPTCHA_TEST_ANSWER (never read from the environment).
    if fixed := current_app.config.get("CAPTCHA_TEST_ANSWER"):
        return fixed
    digest = hmac.new(str(current_app.secret_key).encode(), f"captcha:{nonce}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:LENGTH])


def _current() -> str | None:
    """The nonce of this session's challenge while it is valid."""
    found = session.get(SESSION_KEY)
    if not isinstance(found, dict) or found.get("expires", 0) < now().timestamp():
        return None
    return found.get("nonce")


def new_challenge() -> bytes:
    """Start a challenge for this browser session and return its PNG image (nothing is stored)."""
    nonce = secrets.token_urlsafe(24)
    session[SESSION_KEY] = {"nonce": nonce, "expires": (now() + current_app.config["CAPTCHA_TTL"]).timestamp()}
    return ReadableCaptcha().generate(_answer(nonce), bg_color=PAPER, fg_color=INK).getvalue()


def current_audio() -> bytes | None:
    """The current challenge read aloud (WAV), the audio alternative to the picture."""
    nonce = _current()
    return bytes(AudioCaptcha().generate(_answer(nonce))) if nonce else None


def check_answer(given: str) -> bool:
    """True when ``given`` answers this session's challenge; the challenge is used up either way."""
    nonce = _current()
    session.pop(SESSION_KEY, None)
    if nonce is None:
        return False
    moment = now()
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < moment))
    db.session.add(CaptchaChallenge(id=nonce, expires_at=moment + current_app.config["CAPTCHA_TTL"]))
    try:
        db.session.commit()
    except IntegrityError:  # used already: a replayed session cookie
        db.session.rollback()
        return False
    return secrets.compare_digest(_answer(nonce), (given or "").strip().upper())
