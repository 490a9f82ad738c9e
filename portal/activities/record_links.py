"""The columns other features add to 考勤记录查询 (项目评价, 在线考试), in app.extensions: for the
learner and the activities on the page, what each activity offers them (a link, or a state)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app

from portal.models import Person

KEY = "portal_attendance_links"


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None = None


Links = Callable[[Person, Iterable[int]], dict[int, Link]]


def add(app, name: str, heading: str, links: Links) -> None:
    """A column headed ``heading``; ``links(person, activity_ids)`` → activity id → its cell
    (an activity left out offers nothing)."""
    app.extensions.setdefault(KEY, {})[name] = (heading, links)


def columns(person: Person | None, activity_ids: Iterable[int]) -> list[tuple[str, dict[int, Link]]]:
    ids = list(dict.fromkeys(activity_ids))
    return [(heading, links(person, ids) if person else {})
            for heading, links in current_app.extensions.get(KEY, {}).values()]
