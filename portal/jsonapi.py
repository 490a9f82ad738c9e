"""Small helpers shared by the REST APIs."""
from __future__ import annotations

from typing import Any

from flask import jsonify, make_response, request


def json_body() -> dict[str, Any]:
    """The request's JSON object, or an empty dict for anything else (so fields read as missing)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def answer(status: int, **body: Any):
    """A JSON answer like ``BaseApi.response`` (whose own ``code`` parameter cannot be a body key)."""
    response = make_response(jsonify(body), status)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response
