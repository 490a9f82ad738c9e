"""Flask-AppBuilder's security manager and database login, hardened: image captcha on the
web form, per-account lockout for both the form and the API login, the same answer for an
unknown user, a wrong password and a locked account, and only local redirects."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.accounts import captcha
from portal.accounts.redirects import safe_next
from portal.accounts.services import account_state, must_change_password
from portal.extensions import db
from portal.models import Person
from portal.models.clock import now
from portal.operations import metrics

LOGIN_FAILED = _l("Wrong username or password, or the account is locked for a while after repeated failures.")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), [DataRequired(message=_l("Enter your username."))])
    password = PasswordField(_l("Password"), [DataRequired(message=_l("Enter your password."))])
    captcha = StringField(
        _l("Verification code"), [DataRequired(message=_l("Enter the characters shown in the picture.")), Length(max=8)]
    )


class PortalAuthDBView(AuthDBView):
    login_template = "portal/accounts/login.html"
    invalid_login_message = LOGIN_FAILED

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        index = self.appbuilder.get_url_for_index
        next_url = safe_next(request.args.get("next"), index)
        if g.user is not None and g.user.is_authenticated:
            return redirect(next_url)
        form = LoginForm()
        if form.validate_on_submit():
            if not captcha.check_answer(form.captcha.data):
                form.captcha.errors.append(_l("The verification code is wrong or has expired; a new one is shown."))
            else:
                user = self.appbuilder.sm.auth_user_db(form.username.data.strip(), form.password.data)
                if user:
                    login_user(user, remember=False)
                    if must_change_password(user.id):
                        return redirect(url_for("PasswordView.change"))
                    return redirect(next_url)
                flash(str(LOGIN_FAILED), "danger")
        form.password.data = form.captcha.data = ""
        return self.render_template(self.login_template, title=self.title, form=form)

    @expose("/login/captcha.png")
    def captcha_image(self):
        response = current_app.response_class(captcha.new_challenge(), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response


    @expose("/login/captcha.wav")
    def captcha_audio(self):
        audio = captcha.current_audio()
        if audio is None:
            abort(404)
        response = current_app.response_class(audio, mimetype="audio/wav")
        response.headers["Cache-Control"] = "no-store"
        return response


def _out_of_province(user) -> bool:
    return bool(db.session.scalar(select(Person.out_of_province).where(Person.user_id == user.id)))


class PortalSecurityManager(SecurityManager):
    authdbview = PortalAuthDBView

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        # (role names, permission, view) → FAB's answer; see has_access.
        self._answers_by_roles: dict[tuple[tuple[str, ...], str, str], bool] = {}

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """FAB's answer, kept per set of roles. The roles are the configured ones (FAB_ROLES):
        what they allow cannot change while the process runs, and the menu alone asks about 25
        times a page (a fifth of a list page's time). A signed-in user's roles are read once a
        request, so a role given or taken counts from their next request."""
        roles = self.request_roles()
        if roles is None:
            return super().has_access(permission_name, view_name)
        key = (roles, permission_name, view_name)
        if key not in self._answers_by_roles:
            self._answers_by_roles[key] = super().has_access(permission_name, view_name)
        return self._answers_by_roles[key]

    def request_roles(self) -> tuple[str, ...] | None:
        """The signed-in user's role names, when all are configured ones; None otherwise (FAB
        then answers as usual)."""
        if "_portal_roles" not in g:
            user = current_user if current_user.is_authenticated and not getattr(g, "_api_key_user", False) else None
            user = self._get_safe_user(user) if user is not None else None
            names = tuple(sorted({role.name for role in self.get_user_roles(user)})) if user and user.is_active else ()
            g._portal_roles = names if names and all(name in self.builtin_roles for name in names) else None
        return g._portal_roles

    def auth_user_db(self, username, password):
        """FAB's check, behind a per-account lockout: after LOGIN_MAX_FAILURES wrong passwords
        the account refuses even the right one until LOGIN_LOCKOUT has passed. Out-of-province
        learners' accounts have no password to sign in with and are refused the same way."""
        user = self.find_user(username=username) if username else None
        state = account_state(user) if user is not None else None
        locked = state is not None and state.locked_until and state.locked_until > now()
        # Out-of-province learners sign in by SMS code only: refused like a locked account.
        if locked or (user is not None and _out_of_province(user)):
            # Same work as a password check, so a locked account does not answer faster.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            db.session.commit()
            metrics.failed_login()
            return None
        authenticated = super().auth_user_db(username, password)
        if not authenticated:
            metrics.failed_login()
        if state is not None:
            if authenticated:
                state.failed_logins, state.locked_until = 0, None
            else:
                state.failed_logins = (state.failed_logins or 0) + 1
                if state.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                    state.failed_logins, state.locked_until = 0, now() + current_app.config["LOGIN_LOCKOUT"]
            db.session.commit()
        return authenticated

    def register_views(self):
        super().register_views()
        # FAB rate-limits only the web login form; the API login gets the same per-IP limit.
        for view in self.appbuilder.baseviews:
            if isinstance(view, SecurityApi):
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
        # The captcha's picture and sound cost CPU to draw: a per-IP limit of their own.
        captcha_endpoints = {f"{self.authdbview.__name__}.captcha_image", f"{self.authdbview.__name__}.captcha_audio"}
        self.limiter.limit(lambda: current_app.config["CAPTCHA_RATE_LIMIT"], methods=["GET"],
                           exempt_when=lambda: request.endpoint not in captcha_endpoints)(self.auth_view.blueprint)
