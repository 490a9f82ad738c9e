"""Every request carries an id: the caller's X-Request-ID when it sends a usable one (a load
balancer's), a fresh one otherwise. The response names it, so the access log, the portal's own
log lines and a user's report of a failure can be matched."""
from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
USABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current() -> str:
    return g.get("request_id", "-")


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign() -> None:
        given = request.headers.get(HEADER, "")
        g.request_id = given if USABLE.fullmatch(given) else secrets.token_hex(8)

    @app.after_request
    def _answer(response: Response) -> Response:
        response.headers[HEADER] = current()
        return response
