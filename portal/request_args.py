"""Reading optional values from a request's query string or form, the same way on every page."""
from __future__ import annotations

import datetime as dt

from flask import request


def date_arg(name: str) -> dt.date | None:
    """The ISO date (2025-01-31) in ``request.values[name]``; None when missing or unreadable."""
    try:
        return dt.date.fromisoformat(request.values.get(name, "").strip())
    except ValueError:
        return None
