"""Password guessing slowed down per username, so that nobody can lock someone else out:

- the web form always asks for the picture captcha; after FREE_TRIES wrong passwords for a
  username, each further try must wait longer (1, 2, 4 ... seconds, at most MAX_DELAY after the
  last failure), which bounds the guesses per account while the owner waits a minute at most;
- the token API has no captcha: after FREE_TRIES wrong passwords it refuses the username until a
  sign-in on the web form (with the captcha) succeeds, and no refresh token of it is honoured.

Counted by username (a keyed hash of it), whether or not an account has it, so the answers say
nothing about which usernames exist. A successful sign-in or a new password clears the count."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

from flask import current_app
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import LoginThrottle
from portal.models.clock import now

FREE_TRIES = 5
MAX_DELAY = dt.timedelta(seconds=60)


def _key(username: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, (username or "").strip().lower().encode(), hashlib.sha256).hexdigest()


def _row(username: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, _key(username))


def wait_seconds(username: str) -> int:
    """How long the web form makes this username wait before its next try (0: it may try now)."""
    row = _row(username)
    if row is None or row.failures < FREE_TRIES:
        return 0
    delay = min(dt.timedelta(seconds=2 ** min(row.failures - FREE_TRIES, 16)), MAX_DELAY)
    left = (row.last_failed_at + delay - now()).total_seconds()
    return max(0, math.ceil(left))


def api_refused(username: str) -> bool:
    """Whether the token API refuses this username until a web sign-in succeeds."""
    row = _row(username)
    return row is not None and row.failures >= FREE_TRIES


def failed(username: str) -> None:
    """Count a wrong password (in one statement, so that parallel guesses all count)."""
    key, moment = _key(username), now()
    counted = db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                                 .values(failures=LoginThrottle.failures + 1, last_failed_at=moment))
    if counted.rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(LoginThrottle).values(key=key, failures=1, last_failed_at=moment))
        except IntegrityError:  # another request counted the first failure meanwhile
            db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                               .values(failures=LoginThrottle.failures + 1, last_failed_at=moment))
    db.session.commit()


def clear(username: str) -> None:
    """After a successful sign-in or a new password; in the caller's transaction."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key(username)))
