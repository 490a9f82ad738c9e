"""Flask-AppBuilder's security manager and database login, hardened: image captcha on the
web form, wrong passwords slowed down per username on the form and the API login (throttle.py)
with answers that are the same for an unknown user and an existing one, server-side sessions
(sessions.py), an audit row for every sign-in, failure and sign-out, and only local redirects."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_PROVIDER_DB
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.utils import is_null_password
from flask_appbuilder.security.views import AuthDBView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token, get_current_user, get_jwt, jwt_required
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal import jsonapi
from portal.accounts import audit, captcha, passwords, sessions, throttle
from portal.accounts.actor import actor_for, signed_in
from portal.accounts.redirects import safe_next
from portal.accounts.services import must_change_password
from portal.accounts.tokens import OneDecodeJWTManager
from portal.extensions import db
from portal.models import Person
from portal.operations import metrics

LOGIN_FAILED = _l("Wrong username or password.")
API_SLOWED = _l("Several wrong passwords were entered for this username: sign in once on the web page, with the "
                "verification code, before signing in through the API.")


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
                wait = g.get("login_slowed")
                flash(_("Several wrong passwords were entered for this username: wait %(n)d seconds, then try again.",
                        n=wait) if wait else str(LOGIN_FAILED), "danger")
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


class PortalSecurityApi(SecurityApi):
    """FAB's token API, with tokens bound to a server-side session (``sid``): refused once the
    session has ended; each refresh rotates the refresh token, and one used twice ends the session."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Sign in: the access token and, with ``refresh``, a refresh token
        ---
        post:
          responses:
            200: {description: The tokens}
            400: {description: Invalid payload}
            401: {description: Refused}
        """
        if not request.is_json:
            return self.response_400(message="Request payload is not JSON")
        try:
            payload = login_post.load(request.json)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        if payload["provider"] != API_SECURITY_PROVIDER_DB:
            return self.response_401()
        user = self.appbuilder.sm.auth_user_db(payload["username"], payload["password"])
        if not user:
            return self.response(401, message=str(API_SLOWED)) if g.get("login_slowed") else self.response_401()
        session_id = sessions.start(user.id, sessions.API, must_change_password(user.id))
        answer = {"access_token": create_access_token(identity=str(user.id), fresh=True,
                                                      additional_claims={"sid": session_id})}
        if payload.get("refresh"):
            answer["refresh_token"] = _refresh_token(user.id, session_id)
        return self.response(200, **answer)

    @expose("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    @safe
    def refresh(self):
        """A new access token and a new refresh token; the one sent is used up
        ---
        post:
          responses:
            200: {description: The new tokens}
            401: {description: Refused}
        """
        claims = get_jwt()
        user_id, session_id = int(claims["sub"]), claims.get("sid")
        if throttle.api_refused(g.user.username):
            return self.response(401, message=str(API_SLOWED))
        new = _refresh_token(user_id, session_id, keep=False)
        if not sessions.swap_refresh(session_id, claims["jti"], decode_token(new)["jti"]):
            # A refresh token used twice: whoever holds the other copy, the session is over.
            sessions.end(session_id)
            return self.response_401()
        return self.response(200, refresh_token=new, access_token=create_access_token(
            identity=str(user_id), fresh=False, additional_claims={"sid": session_id}))


def _refresh_token(user_id: int, session_id: str, keep: bool = True) -> str:
    token = create_refresh_token(identity=str(user_id), additional_claims={"sid": session_id})
    if keep:
        sessions.set_refresh(session_id, decode_token(token)["jti"])
    return token


def _out_of_province(user) -> bool:
    return bool(db.session.scalar(select(Person.out_of_province).where(Person.user_id == user.id)))


def _unit_of(user) -> int | None:
    return db.session.scalar(select(Person.unit_id).where(Person.user_id == user.id))


def _token_user():
    """The API token's user, once the token has been checked in this request (else None)."""
    try:
        return get_current_user()
    except RuntimeError:  # no token checked (yet): FAB's own path answers
        return None


@dataclass(frozen=True)
class _Named:
    name: str


class PortalSecurityManager(SecurityManager):
    authdbview = PortalAuthDBView
    security_api = PortalSecurityApi

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        # (role names, permission, view) → FAB's answer; see has_access.
        self._answers_by_roles: dict[tuple[tuple[str, ...], str, str], bool] = {}

    def create_jwt_manager(self, app) -> OneDecodeJWTManager:
        manager = OneDecodeJWTManager()
        manager.init_app(app)
        manager.user_lookup_loader(self.load_user_jwt)
        # A token that is not the portal's (another key, altered, no signature) means signing in
        # again, as an expired one does: 401, not the library's 422; both say so in the user's language.
        manager.invalid_token_loader(lambda _reason: jsonapi.answer(
            401, code="invalid_token", message=_("This sign-in is not valid. Sign in again.")))
        manager.expired_token_loader(lambda _header, _claims: jsonapi.answer(
            401, code="token_expired", message=_("This sign-in has expired. Sign in again.")))
        return manager

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

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        """FAB asks this first on every API call and reads the public role and its permissions from
        the database (two queries); for a signed-in caller, whose roles are read already, the
        configured public role answers instead. An anonymous request keeps FAB's way (so that with
        the database away it answers 503, not the login page)."""
        if self.auth_role_public not in self.builtin_roles or self.request_roles() is None:
            return super().is_item_public(permission_name, view_name)
        return self._has_access_builtin_roles(_Named(self.auth_role_public), permission_name, view_name)

    def get_user_roles(self, user) -> list:
        """A user's own roles. The portal has no groups (FAB's group screens are not registered), so
        they are neither read with the account on each request nor asked for here."""
        return user.roles if user.is_authenticated else [self.get_public_role()]

    def request_roles(self) -> tuple[str, ...] | None:
        """The signed-in user's role names (the browser's or the API token's), when all are
        configured ones; None otherwise (FAB then answers as usual)."""
        if "_portal_roles" not in g:
            user = current_user if current_user.is_authenticated and not getattr(g, "_api_key_user", False) else None
            user = self._get_safe_user(user if user is not None else _token_user())
            names = tuple(sorted({role.name for role in self.get_user_roles(user)})) if user and user.is_active else ()
            g._portal_roles = names if names and all(name in self.builtin_roles for name in names) else None
        return g._portal_roles

    def auth_user_db(self, username, password):
        """FAB's check, slowed down per username (portal.accounts.throttle): the web form makes a
        username with repeated wrong passwords wait, the API refuses it until a web sign-in. Either
        refusal is noted in ``g.login_slowed`` for the answer. Out-of-province learners' accounts
        have no password to sign in with and are refused like a wrong password."""
        api = request.path.startswith("/api/")
        slowed = throttle.api_refused(username) if api else throttle.wait_seconds(username)
        user = self.find_user(username=username) if username else None
        if slowed or (user is not None and _out_of_province(user)):
            passwords.spend_a_check()
            audit.write(audit.SIGN_IN_FAILED, user, None, _unit_of(user) if user else None,
                        after={"reason": "slowed" if slowed else "sms_only"})
            db.session.commit()
            metrics.failed_login()
            g.login_slowed = slowed
            return None
        authenticated = self._checked_password(username, password)
        if authenticated:
            throttle.clear(username)
            db.session.commit()
            return authenticated
        metrics.failed_login()
        if user is None or not user.is_active:  # a wrong password is audited by on_user_login_failed
            audit.write(audit.SIGN_IN_FAILED, user, None, _unit_of(user) if user else None,
                        after={"reason": "inactive" if user else "unknown"})
        throttle.failed(username)
        return None

    def _checked_password(self, username: str, password: str):
        """FAB's auth_user_db (the same look-ups whether the username exists, the counts, the login
        hooks) with the hash checked by portal.accounts.passwords, which also replaces an outdated one."""
        if not username or is_null_password(password):
            return None
        first_user = self.get_first_user()
        user = self.find_user(username=username)
        if user is None:
            user = self.find_user(email=username)
        else:
            self.find_user(email=username)
        if user is None or not user.is_active:
            passwords.spend_a_check()
            if first_user:
                self.noop_user_update(first_user)
            return None
        if not passwords.matches(user.password, password):
            self.update_user_auth_stat(user, False)
            return None
        if passwords.outdated(user.password):
            user.password = passwords.make(password)
        self.update_user_auth_stat(user, True)
        return user

    def on_user_login(self, user) -> None:
        actor = actor_for(user)
        audit.write(audit.SIGN_IN, user, actor, actor.unit_id)
        db.session.commit()

    def on_user_login_failed(self, user) -> None:
        audit.write(audit.SIGN_IN_FAILED, user, None, _unit_of(user), after={"reason": "password"})
        db.session.commit()

    def on_user_logout(self, user) -> None:
        sessions.end_browser()
        actor = actor_for(user)
        audit.write(audit.SIGN_OUT, user, actor, actor.unit_id)
        db.session.commit()

    def load_user(self, pk):
        """The signed-in user of a browser, while its server-side session is valid."""
        if sessions.current_browser(int(pk)) is None:
            return None
        user = signed_in(int(pk))
        return user if user is not None and user.is_active else None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The user of a token, while the session it was issued to is valid."""
        user_id, session_id = int(jwt_data["sub"]), jwt_data.get("sid")
        found = g.get("portal_session")
        if found is None or found.id != session_id or found.user_id != user_id:  # once a request
            found = sessions.valid(session_id, user_id)
        user = signed_in(user_id) if found is not None else None
        if user is None or not user.is_active:
            return None
        g.portal_session = found
        g.user = user
        return user

    def register_views(self):
        """Only the login form and the token API. Accounts are managed on the people pages through
        the portal's services (password policy, scoping, audit, sessions), so FAB's own user, role,
        group and permission screens and APIs, and its password forms, are not registered at all."""
        self.auth_view = self.authdbview()
        self.appbuilder.add_view_no_menu(self.auth_view)
        api = self.appbuilder.add_api(self.security_api)
        # The same per-IP limit on the web form and the API login.
        for blueprint in (self.auth_view.blueprint, api.blueprint):
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(blueprint)
        # The captcha's picture and sound cost CPU to draw: a per-IP limit of their own.
        captcha_endpoints = {f"{self.authdbview.__name__}.captcha_image", f"{self.authdbview.__name__}.captcha_audio"}
        self.limiter.limit(lambda: current_app.config["CAPTCHA_RATE_LIMIT"], methods=["GET"],
                           exempt_when=lambda: request.endpoint not in captcha_endpoints)(self.auth_view.blueprint)
