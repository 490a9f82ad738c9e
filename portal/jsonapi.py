"""Small helpers shared by the REST APIs."""
from __future__ import annotations

from typing import Any

from flask import request


def json_body() -> dict[str, Any]:
    """The request's JSON object, or an empty dict for anything else (so fields read as missing)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}
