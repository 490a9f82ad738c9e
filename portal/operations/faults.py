"""While the database is away (restarting, unreachable, out of connections) every request
answers 503 with Retry-After, in Chinese, rather than a bare 500: nothing is half-written, since
the failed transaction is rolled back, and the user is told to try again shortly."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.extensions import db

RETRY_AFTER_SECONDS = 30


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        try:
            db.session.rollback()
        except Exception:
            db.session.invalidate()
        app.logger.error("database unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0])
        message = _("The service is briefly unavailable. Nothing was saved from this request; please try again "
                    "in a minute.")
        if request.path.startswith("/api/"):
            response = jsonify(code="unavailable", message=message)
        else:
            response = app.make_response(render_template("portal/operations/unavailable.html", message=message))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
