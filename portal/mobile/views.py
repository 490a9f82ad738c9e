"""The phone app's pages under /m/: the shell (manifest, service worker, offline page), sign-in
and sign-out (MobileShellView, open to visitors), and the learner's pages (MobileView, permission
"Mobile"), each calling the services of the package that owns what it shows."""
from __future__ import annotations

import datetime as dt
import json

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import captcha
from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.accounts.security import LOGIN_FAILED, LoginForm
from portal.accounts.services import must_change_password
from portal.activities import codes
from portal.activities import services as activities
from portal.compliance import progress, stats
from portal.credits import query as credit_query
from portal.credits.services import status_label
from portal.mobile import entries, listing, services, shell
from portal.mobile.forms import PhoneSignInForm
from portal.pagination import Page, page_number
from portal.people import services as people
from portal.people.forms import SelfServiceForm
from portal.people.masking import mask_id_number, mask_phone
from portal.people.sms_codes import InvalidInput

PER_PAGE = 20
# The sessions the home screen lists under the scanner (考勤登记 lists them all).
HOME_SESSIONS = 3
# The credit query's columns a card shows, beside the name, status and figures.
CARD_KEYS = ("date", "number", "credit_level", "unit")


def _without_cookie(response):
    """A shell response sets no session cookie. The browser fetches the worker and the offline page
    while the sign-in page loads its captcha picture: a cookie from either, made from the session as
    it was before the picture's, would overwrite the picture's challenge (its answer then fails)."""
    current_user._get_current_object()  # Flask-Login writes to the session when it first loads the user
    session.modified = False
    return response


class MobileShellView(BaseView):
    route_base = "/m"

    @expose("/manifest.webmanifest")
    def manifest(self):
        response = current_app.response_class(json.dumps(shell.manifest(), ensure_ascii=False),
                                              mimetype="application/manifest+json")
        response.headers["Cache-Control"] = "no-cache"
        return _without_cookie(response)

    @expose("/sw.js")
    def service_worker(self):
        body = self.render_template("portal/mobile/sw.js", version=shell.version(current_app), urls=shell.urls(),
                                    offline=url_for("MobileShellView.offline"), scope=url_for("MobileView.home"))
        response = current_app.response_class(body, mimetype="text/javascript")
        # Browsers look for a new worker on every visit; no cache in between may keep an old one.
        response.headers["Cache-Control"] = "no-cache"
        return _without_cookie(response)

    @expose("/offline")
    def offline(self):
        return _without_cookie(current_app.make_response(
            self.render_template("portal/mobile/offline.html", title=_("You are offline"))))

    @expose("/login", methods=["GET", "POST"])
    def login(self):
        home = url_for("MobileView.home")
        next_url = safe_next(request.values.get("next"), home)
        if g.user is not None and g.user.is_authenticated:
            return redirect(next_url)
        method = "password" if request.values.get("method") == "password" else "sms"
        phone_form = PhoneSignInForm()
        password_form = LoginForm()
        notice = None
        if method == "sms" and phone_form.validate_on_submit():
            try:
                if request.form.get("action") == "send":
                    notice = services.request_code(phone_form.phone.data)
                elif not phone_form.code.data:
                    phone_form.code.errors.append(_("Enter the 6-digit code from the SMS."))
                else:
                    user = services.signed_in_user(phone_form.phone.data, phone_form.code.data)
                    if user is not None:
                        # As the password check does on success: counted, and in the audit trail.
                        self.appbuilder.sm.update_user_auth_stat(user, True)
                        return self._signed_in(user, next_url)
                    phone_form.code.errors.append(str(services.REFUSED))
            except InvalidInput as e:
                getattr(phone_form, e.field).errors.append(str(e))
        elif method == "password" and password_form.validate_on_submit():
            if not captcha.check_answer(password_form.captcha.data):
                password_form.captcha.errors.append(_("The verification code is wrong or has expired; a new one is shown."))
            else:
                user = self.appbuilder.sm.auth_user_db(password_form.username.data.strip(), password_form.password.data)
                if user:
                    return self._signed_in(user, next_url)
                wait = g.get("login_slowed")
                flash(_("Several wrong passwords were entered for this username: wait %(n)d seconds, then try again.",
                        n=wait) if wait else str(LOGIN_FAILED), "danger")
        phone_form.code.data = password_form.password.data = password_form.captcha.data = ""
        return self.render_template("portal/mobile/login.html", title=_("Sign in"), method=method, phone_form=phone_form,
                                    password_form=password_form, notice=notice,
                                    next=next_url if next_url != home else "")

    @staticmethod
    def _signed_in(user, next_url: str):
        login_user(user, remember=False)
        if must_change_password(user.id):
            return redirect(url_for("PasswordView.change"))
        return redirect(next_url)

    @expose("/logout", methods=["POST"])
    def logout(self):
        user = current_user._get_current_object() if current_user.is_authenticated else None
        logout_user()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(url_for("MobileShellView.login"))


class MobileView(BaseView):
    route_base = "/m"
    class_permission_name = "Mobile"
    default_view = "home"

    @expose("/")
    @has_access
    def home(self):
        actor = current_actor()
        today = dt.date.today()
        standing = (progress.of(actor.person, today.year, today)
                    if actor.person is not None and not actor.is_out_of_province else None)
        sessions = (activities.upcoming_for(actor.person, codes.utc_now(), limit=HOME_SESSIONS)
                    if actor.person is not None else [])
        return self.render_template("portal/mobile/home.html", title=_("CME app"), actor=actor, standing=standing,
                                    entries=entries.shown(actor), base_url=current_app.config["BASE_URL"],
                                    sessions=sessions, local=activities.local)

    @expose("/profile")
    @has_access
    def profile(self):
        person = self._person("MobileView.profile")
        return self.render_template(
            "portal/mobile/profile.html", title=_("Profile"), person=person, id_number=mask_id_number(person.id_number),
            mobile=mask_phone(person.mobile), phone=mask_phone(person.phone), may_edit=not person.out_of_province)

    @expose("/profile/edit", methods=["GET", "POST"])
    @has_access
    def edit_profile(self):
        person = self._person("MobileView.profile")
        if person.out_of_province:  # their unit keeps their details, as on the portal's pages
            abort(404)
        form = SelfServiceForm(obj=person)
        if form.validate_on_submit():
            people.update_own(person, form.data)
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("MobileView.profile"))
        return self.render_template("portal/mobile/profile_edit.html", title=_("Edit my details"), form=form,
                                    back=url_for("MobileView.profile"))

    @expose("/credits")
    @has_access
    def credits(self):
        person = self._person("MobileView.credits")
        actor = current_actor()
        statuses = [(s, _("All") if s == "all" else status_label(s)) for s in credit_query.STATUSES]
        # Always one's own records: no person_id is read from the address.
        params = {key: request.args.get(key, "") for key in ("from", "to", "status")}
        try:
            query = credit_query.parse(actor, params)
        except credit_query.QueryInvalid as error:
            return self.render_template("portal/mobile/credits.html", title=_("Credit query"), error=str(error),
                                        statuses=statuses, query=credit_query.CreditQuery(person, None, None, "all"))
        sums = credit_query.totals(actor, query)
        number = page_number()
        page = Page(list(credit_query.rows(actor, query, PER_PAGE, (number - 1) * PER_PAGE)), sums.count, number, PER_PAGE)
        return self.render_template("portal/mobile/credits.html", title=_("Credit query"), error=None, statuses=statuses,
                                    query=query, sums=sums, page=page, labels=credit_query.column_labels(), keys=CARD_KEYS)

    @expose("/compliance")
    @has_access
    def compliance(self):
        person = self._person("MobileView.compliance")
        year = stats.chosen_year(request.args.get("year"))
        standing = progress.of(person, year, dt.date.today())
        return self.render_template("portal/mobile/compliance.html", title=_("Compliance query"), year=year,
                                    years=stats.years_offered(year, stats.first_record_year(person.id)), standing=standing)

    @expose("/certificates")
    @has_access
    def certificates(self):
        self._person("MobileView.certificates")
        actor = current_actor()
        return self.render_template("portal/mobile/certificates.html", title=_("My certificates"),
                                    issued=listing.issued(actor, PER_PAGE),
                                    page=listing.counted_records(actor, page_number(), PER_PAGE))

    @staticmethod
    def _person(endpoint: str):
        """The actor's own person, for the pages their grid offers them; otherwise no page."""
        actor = current_actor()
        if not entries.allowed(actor, endpoint):
            abort(404)
        return actor.person
