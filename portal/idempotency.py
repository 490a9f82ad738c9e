"""Taking effect once: the API's creates honour an ``Idempotency-Key`` header (the answer is
stored and replayed for repeats), and entry forms carry a one-time token (a form posted again
lands on the record the first post made).

The first request claims the key in a short transaction of its own, so that the unique
constraint decides between parallel requests before any work is done; a repeat waits for the
first to finish and gets its answer. A first request that fails (an exception, a 5xx, a form
sent back with errors) gives the key up, so that sending it again tries again."""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, make_response, request
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.jsonapi import answer
from portal.models import IdempotencyKey
from portal.models.clock import now

HEADER = "Idempotency-Key"
MAX_KEY = 200
# How long a repeat waits for the first request's answer before it says the key is busy.
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05


class KeyReused(Exception):
    """The key came with another request than the one it was first sent with."""


class StillRunning(Exception):
    """The first request with the key has not finished within WAIT_SECONDS."""


def fingerprint() -> str:
    """What the request asks: its method, path and body."""
    return hashlib.sha256(b"\0".join((request.method.encode(), request.path.encode(), request.get_data()))).hexdigest()


def claim(scope: str, key: str, print_: str) -> IdempotencyKey | None:
    """None when this request now holds the key (it must then ``finish`` or ``give_up``); else
    the finished row of the request that held it first. Keys older than IDEMPOTENCY_KEEP_HOURS
    are forgotten on the way (the table stays small; a key sent again after that runs afresh)."""
    user_id = g.user.id
    try:
        with db.engine.begin() as connection:
            kept_since = now() - dt.timedelta(hours=current_app.config["IDEMPOTENCY_KEEP_HOURS"])
            connection.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < kept_since))
            connection.execute(insert(IdempotencyKey).values(user_id=user_id, scope=scope, key=key, fingerprint=print_,
                                                             created_at=now()))
        return None
    except IntegrityError:
        pass
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with db.engine.connect() as connection:
            row = connection.execute(select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.scope == scope, IdempotencyKey.key == key)).first()
        if row is None:  # the first request gave up meanwhile: this one tries
            return claim(scope, key, print_)
        if row.fingerprint != print_:
            raise KeyReused
        if row.status is not None:
            return IdempotencyKey(status=row.status, body=row.body)
        if time.monotonic() > deadline:
            raise StillRunning
        time.sleep(POLL_SECONDS)


def finish(scope: str, key: str, status: int, body: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(update(IdempotencyKey).where(*_row(scope, key)).values(status=status, body=body))


def give_up(scope: str, key: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(IdempotencyKey).where(*_row(scope, key)))


def _row(scope: str, key: str):
    return IdempotencyKey.user_id == g.user.id, IdempotencyKey.scope == scope, IdempotencyKey.key == key


def idempotent_api(view: Callable) -> Callable:
    """An API create that honours ``Idempotency-Key``: a repeat gets the first answer again
    (status and body, with ``Idempotent-Replayed: true``) and changes nothing."""
    scope = f"api:{view.__qualname__}"

    @wraps(view)
    def run(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > MAX_KEY:
            return answer(400, message={"Idempotency-Key": [_("The Idempotency-Key is at most %(n)d characters.",
                                                                n=MAX_KEY)]})
        try:
            earlier = claim(scope, key, fingerprint())
        except KeyReused:
            return answer(422, code="idempotency_key_reused",
                          message=_("This Idempotency-Key was sent with another request; use a new key for it."))
        except StillRunning:
            return answer(409, code="idempotency_key_in_use",
                          message=_("A request with this Idempotency-Key is still running; try again shortly."))
        if earlier is not None:
            replay = make_response(earlier.body, earlier.status)
            replay.headers["Content-Type"] = "application/json; charset=utf-8"
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            give_up(scope, key)
            raise
        if response.status_code >= 500:
            give_up(scope, key)
        else:
            finish(scope, key, response.status_code, response.get_data(as_text=True))
        return response

    return run
