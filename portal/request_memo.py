"""Reference data a page reads several times (the judging context, a dictionary's names): read
once a request (``per_request``), or kept in the process across requests while the database's
reference stamp stays the same (``kept``: for what is read only from the tables the stamp
watches, portal.models.reference). Any commit or rollback in the request forgets what was read
for it, the stamp included, so a page never shows data it has just changed as it was before."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from flask import current_app, g, has_app_context
from flask_babel import get_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models.reference import ReferenceStamp

P = ParamSpec("P")
T = TypeVar("T")


def per_request(read: Callable[P, T]) -> Callable[P, T]:
    @wraps(read)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        if not has_app_context():
            return read(*args, **kwargs)
        memo = g.setdefault("_portal_memo", {})
        key = _key(read, args, kwargs)
        if key not in memo:
            memo[key] = read(*args, **kwargs)
        return memo[key]
    return once


def kept(read: Callable[P, T]) -> Callable[P, T]:
    """``read``'s answers kept by this app in this process, by arguments and locale (they may hold
    translated words), until the reference stamp moves. Callers must not change what they get."""
    @per_request
    @wraps(read)
    def known(*args: P.args, **kwargs: P.kwargs) -> T:
        store = current_app.extensions.setdefault("portal.kept", {"stamp": None, "answers": {}})
        stamp = _stamp()
        if store["stamp"] != stamp:
            store["stamp"], store["answers"] = stamp, {}
        key = (*_key(read, args, kwargs), str(get_locale()))
        if key not in store["answers"]:
            store["answers"][key] = read(*args, **kwargs)
        return store["answers"][key]
    return known


def _key(read: Callable, args: tuple, kwargs: dict) -> tuple:
    return read.__module__, read.__qualname__, args, tuple(sorted(kwargs.items()))


@cache
def _stamp_statement():
    return select(ReferenceStamp.version).where(ReferenceStamp.id == 1)


@per_request
def _stamp() -> int | None:
    return db.session.scalar(_stamp_statement())


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(*_args) -> None:
    if has_app_context():
        g.pop("_portal_memo", None)
