"""Reference data a page reads several times (the judging context, a dictionary's names): read
once a request. Any commit or rollback in the request forgets what was read, so a page never
shows data it has just changed as it was before."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

P = ParamSpec("P")
T = TypeVar("T")


def per_request(read: Callable[P, T]) -> Callable[P, T]:
    @wraps(read)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        if not has_app_context():
            return read(*args, **kwargs)
        memo = g.setdefault("_portal_memo", {})
        key = (read.__module__, read.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = read(*args, **kwargs)
        return memo[key]
    return once


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(*_args) -> None:
    if has_app_context():
        g.pop("_portal_memo", None)
