"""Secure defaults of every response: a Content-Security-Policy with a nonce per response for
the few inline scripts and style sheets, no framing, nosniff, a referrer policy, HSTS when the
portal is served on https, no-store on whatever a signed-in user or the API gets, Secure
``__Host-`` cookies on https, and ids too large for the database's integers as a 404.

A small after_request of our own rather than Flask-Talisman: the portal needs only the headers
(its own cookie, host and HTTPS settings live in config.py and the proxy), and FAB's templates
already call ``csp_nonce()``, which ``portal.contracts.page_nonce`` provides."""
from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user
from sqlalchemy.exc import DataError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from portal.contracts import page_nonce
from portal.extensions import db

# Every id column is a 32-bit INTEGER on PostgreSQL.
MAX_ID = 2**31 - 1
NUMERIC_VALUE_OUT_OF_RANGE = "22003"
HSTS = "max-age=31536000; includeSubDomains"


class IdConverter(IntegerConverter):
    """``<int:...>`` in a URL: a number beyond any id is no page (404), not a database error (500).
    The pattern itself stops at MAX_ID: a number that matched and then failed a check would make
    Werkzeug answer 405 when the same path has a rule for another method."""

    regex = ("(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def policy(nonce: str) -> str:
    inline = f" 'nonce-{nonce}'" if nonce else ""
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self'{inline}",
        f"style-src 'self'{inline}",
        f"style-src-elem 'self'{inline}",
        # Style attributes (the tree's indents, select2's widths) cannot run code.
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        # The phone app's service worker (/m/sw.js) and manifest: this site's only.
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    if app.config["BASE_URL"].startswith("https://"):
        # __Host-: only ever set over https, for this host and every path, never for a domain.
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session", SESSION_COOKIE_PATH="/",
                          SESSION_COOKIE_DOMAIN=None, REMEMBER_COOKIE_SECURE=True,
                          REMEMBER_COOKIE_NAME="__Host-remember_token", REMEMBER_COOKIE_PATH="/",
                          REMEMBER_COOKIE_DOMAIN=None)
    app.add_template_global(page_nonce, "csp_nonce")
    https = app.config["BASE_URL"].startswith("https://")

    @app.after_request
    def secure_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = policy(g.get("csp_nonce", ""))
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        # Verification links carry tokens: other sites never see our URLs.
        headers["Referrer-Policy"] = "same-origin"
        if https:
            headers["Strict-Transport-Security"] = HSTS
        if _personal(response):
            headers["Cache-Control"] = "no-store"
        return response

    @app.before_request
    def known_sort_columns():
        # FAB's list pages sort by ``_oc_<view>=<column>``: a column the view does not offer
        # would reach the database as SQL text (a 500); it is no page.
        for name, column in request.args.items():
            if name.startswith("_oc_"):
                view = next((v for v in app.appbuilder.baseviews if type(v).__name__ == name[4:]), None)
                if view is None or column not in getattr(view, "order_columns", ()):
                    raise NotFound()

    @app.errorhandler(OverflowError)
    def beyond_sqlite_integers(error: OverflowError):
        # SQLite's answer to a number no INTEGER holds, given in a query string or a form.
        return app.handle_http_exception(NotFound())

    @app.errorhandler(DataError)
    def beyond_postgresql_integers(error: DataError):
        if getattr(error.orig, "sqlstate", None) != NUMERIC_VALUE_OUT_OF_RANGE:
            raise error
        db.session.rollback()
        return app.handle_http_exception(NotFound())


def _personal(response: Response) -> bool:
    """Whether the response is for one person (an API answer, or any page of a signed-in user
    beside static files) and does not already say only their own browser may keep it."""
    if request.path.startswith("/static/") or request.endpoint in ("static", "appbuilder.static"):
        return False
    if "private" in (response.headers.get("Cache-Control") or ""):
        return False
    return request.path.startswith("/api/") or bool(getattr(current_user, "is_authenticated", False))
