"""The login form's image captcha (验证码), generated offline. The answer is stored on the
server and each challenge is consumed by the first check, right or wrong."""
from __future__ import annotations

import secrets

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from flask import current_app, session
from sqlalchemy import delete

from portal.extensions import db
from portal.models import CaptchaChallenge
from portal.models.clock import now

# No 0/O, 1/I/L: easy to read for people who are not young, on small screens too.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
SESSION_KEY = "captcha_id"


def new_challenge() -> bytes:
    """Start a challenge for this browser session and return its PNG image."""
    # Only test configuration sets CAPTCHA_TEST_ANSWER (never read from the environment).
    answer = current_app.config.get("CAPTCHA_TEST_ANSWER") or "".join(
        secrets.choice(ALPHABET) for _ in range(LENGTH)
    )
    moment = now()
    old = session.get(SESSION_KEY)
    db.session.execute(
        delete(CaptchaChallenge).where(
            (CaptchaChallenge.expires_at < moment) | (CaptchaChallenge.id == (old or ""))
        )
    )
    challenge = CaptchaChallenge(
        id=secrets.token_urlsafe(32), answer=answer, expires_at=moment + current_app.config["CAPTCHA_TTL"]
    )
    db.session.add(challenge)
    db.session.commit()
    session[SESSION_KEY] = challenge.id
    return ImageCaptcha(width=160, height=60).generate(answer).getvalue()


def current_audio() -> bytes | None:
    """The current challenge read aloud (WAV), the audio alternative to the picture."""
    challenge_id = session.get(SESSION_KEY)
    challenge = db.session.get(CaptchaChallenge, challenge_id) if challenge_id else None
    if challenge is None or challenge.expires_at < now():
        return None
    return bytes(AudioCaptcha().generate(challenge.answer))


def check_answer(given: str) -> bool:
    """True when ``given`` answers this session's challenge; the challenge is used up either way."""
    challenge_id = session.pop(SESSION_KEY, None)
    if not challenge_id:
        return False
    challenge = db.session.get(CaptchaChallenge, challenge_id)
    if challenge is None:
        return False
    db.session.delete(challenge)
    db.session.commit()
    return challenge.expires_at >= now() and secrets.compare_digest(
        challenge.answer, (given or "").strip().upper()
    )
