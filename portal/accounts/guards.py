"""Request guards that must run for every view, FAB's own APIs included: the forced password
change after login with an initial password, and CSRF on cookie-authenticated API calls
(FAB exempts its APIs from CSRF, see DESIGN.md)."""
from __future__ import annotations

from flask import Flask, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import verify_jwt_in_request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from portal.accounts import sessions

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


def _session_user_id() -> int | None:
    value = session.get("_user_id")
    return int(value) if value else None


def _signed_in_session() -> sessions.Session | None:
    """The server-side session of this request (the token's or the browser's): one lookup,
    which also says whether the password must be changed first."""
    if request.path.startswith("/api/") and _bearer():
        try:
            verify_jwt_in_request(optional=True)  # looks the session up (PortalSecurityManager.load_user_jwt)
        except Exception:
            return None  # an invalid token: FAB's own check answers 401
        return g.get("portal_session")
    user_id = _session_user_id()
    return sessions.current_browser(user_id) if user_id is not None else None


def init_app(app: Flask) -> None:
    sessions.init_app(app)

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
        found = _signed_in_session()
        if found is None or not found.must_change_password:
            return None
        if request.path.startswith("/api/"):
            return jsonify(code="password_change_required", message=_("Change your initial password first.")), 403
        return redirect(url_for("PasswordView.change"))
