"""Reading optional values from a request's query string or form, the same way on every page."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import request


def date_arg(name: str, values: Mapping[str, str] | None = None) -> dt.date | None:
    """The ISO date (2025-01-31) in ``values[name]`` (the request's query string and form when not
    given); None when missing or unreadable."""
    try:
        return dt.date.fromisoformat((request.values if values is None else values).get(name, "").strip())
    except ValueError:
        return None
