"""Request guards that must run for every view, FAB's own APIs included: the forced password
change after login with an initial password, and CSRF on cookie-authenticated API calls
(FAB exempts its APIs from CSRF, see DESIGN.md)."""
from __future__ import annotations

from flask import Flask, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from portal.accounts.services import must_change_password

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Endpoints a user who must change the password can still reach.
ALLOWED_BEFORE_CHANGE = {
    "PasswordView.change",
    "PortalAuthDBView.logout",
    "PortalAuthDBView.login",
    "PortalAuthDBView.captcha_image",
    "PortalAuthDBView.captcha_audio",
    "MeApi.change_password",
    "SecurityApi.login",
    "LocaleView.index",
    "VerifyView.verify",
    "static",
    "appbuilder.static",
}


def _bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _api_user_id() -> int | None:
    if _bearer():
        try:
            verify_jwt_in_request(optional=True)
        except Exception:
            return None  # an invalid token: FAB's own check answers 401
        identity = get_jwt_identity()
        return int(identity) if identity else None
    return _session_user_id()


def _session_user_id() -> int | None:
    value = session.get("_user_id")
    return int(value) if value else None


def init_app(app: Flask) -> None:
    @app.before_request
    def api_csrf():
        if (request.path.startswith("/api/") and request.method not in SAFE_METHODS and not _bearer()
                and _session_user_id() is not None):
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except ValidationError:
                message = _("The security token is missing or expired; reload the page and try again.")
                return jsonify(code="csrf_failed", message=message), 400
        return None

    @app.before_request
    def forced_password_change():
        if request.endpoint in ALLOWED_BEFORE_CHANGE or request.endpoint is None:
            return None
        api = request.path.startswith("/api/")
        user_id = _api_user_id() if api else _session_user_id()
        if user_id is None or not must_change_password(user_id):
            return None
        if api:
            return jsonify(code="password_change_required", message=_("Change your initial password first.")), 403
        return redirect(url_for("PasswordView.change"))
