"""Server-side sessions, so that signing out, a password change or reset, deactivation and 注销
end them. A browser's signed cookie and an API login's tokens only name a session (its id);
the session itself lives in Redis when PORTAL_REDIS_URL is set, in the account_session table
otherwise, and one lookup a request (by id) says whether it is still valid:

- a browser session ends after SESSION_IDLE (30 minutes) without a request and SESSION_ABSOLUTE
  (12 hours) after sign-in, whatever happens;
- an API session lasts as long as its refresh token (JWT_REFRESH_TOKEN_EXPIRES); each refresh
  replaces the refresh token, and the replaced one is refused (using it again ends the session:
  someone else has it).

The session also carries the account's "must change password" flag, so the guard that enforces
it needs no query of its own. Why not Flask-Session: it stores the whole session body per request
but can neither end all sessions of one account nor apply an absolute lifetime, which is the point here;
the cookie keeps holding only what it held (user id, CSRF token), signed."""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from functools import cache

from flask import Flask, current_app, g, session
from flask_login import user_logged_in
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Select, bindparam, delete, select, update

from portal.extensions import db
from portal.models import AccountSession, AccountState
from portal.models.clock import now

SESSION_KEY = "_portal_sid"
WEB, API = "web", "api"
# How often a browser session's last-seen time is written (an idle timeout this precise).
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    id: str
    user_id: int
    kind: str
    created_at: dt.datetime
    seen_at: dt.datetime
    must_change_password: bool


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def _lifetime(kind: str) -> dt.timedelta:
    if kind == API:
        return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    return dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def _valid(found: Session | None, moment: dt.datetime) -> bool:
    if found is None or moment - found.created_at > _lifetime(found.kind):
        return False
    return found.kind == API or moment - found.seen_at <= _idle()


@cache
def _session_statement() -> Select:
    """Every request runs it: built once (see actor._signed_in_statement)."""
    return select(AccountSession).where(AccountSession.id == bindparam("session_id"))


class DatabaseStore:
    def create(self, found: Session) -> None:
        # Sessions nobody came back to are removed as new ones start.
        moment = found.created_at
        db.session.execute(delete(AccountSession).where(
            ((AccountSession.kind == WEB) & (AccountSession.seen_at < moment - _idle()))
            | (AccountSession.created_at < moment - _lifetime(API))))
        db.session.add(AccountSession(id=found.id, user_id=found.user_id, kind=found.kind, created_at=found.created_at,
                                      seen_at=found.seen_at, must_change_password=found.must_change_password))
        db.session.commit()

    def get(self, session_id: str, moment: dt.datetime) -> Session | None:
        # The account itself is read next, with its roles and person, by actor.signed_in.
        row = db.session.scalar(_session_statement(), {"session_id": session_id})
        if row is None:
            return None
        found = Session(row.id, row.user_id, row.kind, row.created_at, row.seen_at, row.must_change_password)
        if _valid(found, moment) and found.kind == WEB and moment - found.seen_at >= TOUCH_EVERY:
            db.session.execute(update(AccountSession).where(AccountSession.id == session_id).values(seen_at=moment))
            db.session.commit()
        return found

    def end(self, session_id: str) -> None:
        db.session.execute(delete(AccountSession).where(AccountSession.id == session_id))
        db.session.commit()

    def end_all(self, user_id: int) -> None:
        # In the caller's transaction: with the password change or deactivation that ends them.
        db.session.execute(delete(AccountSession).where(AccountSession.user_id == user_id))

    def set_refresh(self, session_id: str, jti: str) -> None:
        db.session.execute(update(AccountSession).where(AccountSession.id == session_id).values(refresh_jti=jti))
        db.session.commit()

    def swap_refresh(self, session_id: str, old: str, new: str) -> bool:
        swapped = db.session.execute(update(AccountSession).where(
            AccountSession.id == session_id, AccountSession.refresh_jti == old).values(refresh_jti=new))
        db.session.commit()
        return swapped.rowcount == 1


# Replace the refresh token's jti only if it is still the one given (one round trip, atomic).
_SWAP = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return 1 end return 0"


class RedisStore:
    """portal:session:<id> → the session as JSON, expiring when it would no longer be valid;
    portal:user-sessions:<user id> → the ids of the account's sessions; portal:refresh:<id> → jti."""

    def __init__(self, url: str):
        self.redis = Redis.from_url(url, socket_timeout=2)
        self.swap = self.redis.register_script(_SWAP)

    def create(self, found: Session) -> None:
        value = json.dumps({"user_id": found.user_id, "kind": found.kind, "created_at": found.created_at.isoformat(),
                            "must_change_password": found.must_change_password})
        pipe = self.redis.pipeline()
        pipe.set(f"portal:session:{found.id}", value, ex=_lifetime(API) if found.kind == API else _idle())
        pipe.sadd(f"portal:user-sessions:{found.user_id}", found.id)
        pipe.expire(f"portal:user-sessions:{found.user_id}", _lifetime(API))
        pipe.execute()

    def get(self, session_id: str, moment: dt.datetime) -> Session | None:
        # GETEX: read it and, for a browser, push the idle expiry back, in one command; the
        # key's expiry is the idle timeout, so the last-seen time is the moment it was read.
        key = f"portal:session:{session_id}"
        raw = self.redis.getex(key, ex=_idle())
        if raw is None:
            return None
        data = json.loads(raw)
        if data["kind"] == API:
            self.redis.expire(key, _lifetime(API))
        return Session(session_id, data["user_id"], data["kind"], dt.datetime.fromisoformat(data["created_at"]), moment,
                       data["must_change_password"])

    def end(self, session_id: str) -> None:
        self.redis.delete(f"portal:session:{session_id}", f"portal:refresh:{session_id}")

    def end_all(self, user_id: int) -> None:
        key = f"portal:user-sessions:{user_id}"
        ids = [i.decode() for i in self.redis.smembers(key)]
        keys = [f"portal:{kind}:{i}" for i in ids for kind in ("session", "refresh")]
        self.redis.delete(key, *keys)

    def set_refresh(self, session_id: str, jti: str) -> None:
        self.redis.set(f"portal:refresh:{session_id}", jti, ex=_lifetime(API))

    def swap_refresh(self, session_id: str, old: str, new: str) -> bool:
        return bool(self.swap(keys=[f"portal:refresh:{session_id}"], args=[old, new]))


class RedisWithFallback:
    """Redis, and the database while Redis is away (with a warning), so that signing in keeps
    working; a session is looked for in the database only when Redis does not have it, and ending
    sessions ends them in both."""

    def __init__(self, url: str):
        self.redis, self.database = RedisStore(url), DatabaseStore()

    def _redis(self, operation: str, *args):
        try:
            return True, getattr(self.redis, operation)(*args)
        except RedisError as e:
            current_app.logger.warning("Redis is unreachable (%s): sessions are kept in the database meanwhile", e)
            return False, None

    def create(self, found: Session) -> None:
        if not self._redis("create", found)[0]:
            self.database.create(found)

    def get(self, session_id: str, moment: dt.datetime) -> Session | None:
        return self._redis("get", session_id, moment)[1] or self.database.get(session_id, moment)

    def end(self, session_id: str) -> None:
        self._redis("end", session_id)
        self.database.end(session_id)

    def end_all(self, user_id: int) -> None:
        self._redis("end_all", user_id)
        self.database.end_all(user_id)

    def set_refresh(self, session_id: str, jti: str) -> None:
        if not self._redis("set_refresh", session_id, jti)[0]:
            self.database.set_refresh(session_id, jti)

    def swap_refresh(self, session_id: str, old: str, new: str) -> bool:
        return bool(self._redis("swap_refresh", session_id, old, new)[1]) or self.database.swap_refresh(session_id, old, new)


STORE = "portal_session_store"


def init_app(app: Flask) -> None:
    app.extensions[STORE] = RedisWithFallback(app.config["REDIS_URL"]) if app.config.get("REDIS_URL") else DatabaseStore()
    user_logged_in.connect(_signed_in, app)


def _signed_in(_app: Flask, user) -> None:
    """Every browser sign-in (password form, SMS code) starts a new server-side session."""
    state = db.session.get(AccountState, user.id)
    start_browser(user.id, bool(state and state.must_change_password))


def _store() -> DatabaseStore | RedisWithFallback:
    return current_app.extensions[STORE]


def start(user_id: int, kind: str, must_change_password: bool) -> str:
    """A new session of the account; its id."""
    moment = now()
    found = Session(secrets.token_urlsafe(32), user_id, kind, moment, moment, must_change_password)
    _store().create(found)
    return found.id


def start_browser(user_id: int, must_change_password: bool) -> None:
    """At sign-in: a new session id, and a new CSRF token (the one of the signed-out page is dropped)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    session[SESSION_KEY] = start(user_id, WEB, must_change_password)
    g.portal_session = None


def valid(session_id: str | None, user_id: int) -> Session | None:
    """The session ``session_id`` of the account ``user_id`` while it is valid; None once it has
    ended, timed out or belongs to another account (then it is ended for good)."""
    if not session_id:
        return None
    moment = now()
    found = _store().get(session_id, moment)
    if found is not None and (found.user_id != user_id or not _valid(found, moment)):
        _store().end(session_id)
        found = None
    return found


def current_browser(user_id: int) -> Session | None:
    """This browser's session, looked up once a request."""
    found = g.get("portal_session")
    if found is None or found.user_id != user_id:
        found = g.portal_session = valid(session.get(SESSION_KEY), user_id)
    return found


def end_browser() -> None:
    session_id = session.pop(SESSION_KEY, None)
    if session_id:
        _store().end(session_id)


def end(session_id: str) -> None:
    _store().end(session_id)


def end_all(user_id: int) -> None:
    """Every session of the account, browsers and API logins (their tokens are refused from now);
    with the database store, when the caller commits."""
    _store().end_all(user_id)


def set_refresh(session_id: str, jti: str) -> None:
    _store().set_refresh(session_id, jti)


def swap_refresh(session_id: str, old: str, new: str) -> bool:
    return _store().swap_refresh(session_id, old, new)
