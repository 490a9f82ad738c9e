"""Issue 17's budget: server-side sessions may cost at most 10 % on the learner's list. The same
learner's 录入学分查询管理 is served by three apps on the same database, in this process and taking
turns: one keeping sessions in the database (the embedded default), one in Redis (production's),
and the baseline, whose sessions are the signed cookie alone (what the portal did before: the
cookie names the user and nothing is looked up)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, session

from bench.app import make_app
from portal.accounts import sessions

REDIS_URL = "redis://127.0.0.1:6379/0"
# The difference is a fraction of a millisecond on a page of tens: more samples than the other cases.
REPEAT = 60


class SignedCookieOnly:
    """The baseline store: keeps nothing, and finds every session the signed cookie names valid."""

    def create(self, found: sessions.Session) -> None:
        pass

    def get(self, session_id: str, moment) -> sessions.Session | None:
        user_id = session.get("_user_id")
        return sessions.Session(session_id, int(user_id), sessions.WEB, moment, moment, False) if user_id else None

    def end(self, session_id: str) -> None:
        pass

    def end_all(self, user_id: int) -> None:
        pass

    def set_refresh(self, session_id: str, jti: str) -> None:
        pass

    def swap_refresh(self, session_id: str, old: str, new: str) -> bool:
        return True


def apps(database_url: str, instance: Path) -> dict[str, Flask]:
    """The three apps, by the session store they use."""
    cookie = make_app(database_url, instance)
    cookie.extensions[sessions.STORE] = SignedCookieOnly()
    return {"database": make_app(database_url, instance), "redis": make_app(database_url, instance, REDIS_URL=REDIS_URL),
            "cookie": cookie}
