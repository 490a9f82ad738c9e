"""Errors: under /api/ they answer JSON ({"code", "message"}), like the rest of the API; a page
gets a page in the reader's language that says what happened and what to do, not a bare
"Forbidden" (a CSRF failure, a rate limit and a fault included)."""
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError


def _words(error: HTTPException) -> tuple[str, str]:
    """The page's heading and message for ``error``."""
    if isinstance(error, CSRFError):
        return _("The page has expired"), _("The form was open too long or was sent twice. Go back, reload the "
                                              "page and try again; nothing was saved.")
    return {
        400: (_("The request could not be read"), _("Go back and try again.")),
        403: (_("Not allowed"), _("Your account may not open this page. Ask your unit's admin if you need it.")),
        404: (_("Page not found"), _("The address is wrong, or the page is not there for you.")),
        405: (_("The request could not be read"), _("Go back and try again.")),
        413: (_("What you sent is too large"), _("Send fewer or smaller files at once, then try again.")),
        429: (_("Too many attempts"), _("Wait a minute, then try again.")),
    }.get(error.code, (_("Something went wrong"), _("The fault was logged. Try again in a while; if it stays, tell "
                                                    "your unit's admin.")))


def _retry_after(error: HTTPException) -> dict[str, str]:
    """A rate limit's refusal says when to try again: after the limit's window (never too early).
    The limiter's own headers are off (config.RATELIMIT_HEADERS_ENABLED): they read the window's
    state from Redis again on every limited request, a refused one or not."""
    return {"Retry-After": str(error.limit.limit.get_expiry())} if isinstance(error, RateLimitExceeded) else {}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error  # redirects raised as exceptions
        if request.path.startswith("/api/"):
            return jsonify(code=error.name.lower().replace(" ", "_"), message=error.description), error.code, _retry_after(error)
        if isinstance(error, SecurityError):
            return error  # an untrusted Host: no page of ours (it links to this site) is built for it
        heading, message = _words(error)
        response = app.make_response(render_template("portal/errors/error.html", status=error.code,
                                                      heading=heading, message=message))
        response.status_code = error.code
        kept = dict(error.get_headers())
        response.headers.extend({name: kept[name] for name in ("Retry-After", "Allow") if name in kept})
        response.headers.update(_retry_after(error))
        return response
