"""外省人员登录: ID number + mobile number + SMS code, the second tab of the login page. The rules
(code lifetime, tries, resend delay, daily limits) are in portal/accounts/sms_login.py; this is
the page. It works without JavaScript (获取验证码 and 登录 are two submit buttons of one form);
with it, 获取验证码 counts down until another code may be asked for. Its POSTs are limited per IP
address (SMS_RATE_LIMIT)."""
from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Optional, Regexp

from portal.accounts import sms_login
from portal.contracts import LoginMethod
from portal.hookspecs import hookimpl


class SmsLoginForm(FlaskForm):
    id_number = StringField(_l("ID number"), [DataRequired(message=_l("Enter the ID number."))])
    phone = StringField(_l("Mobile number"), [DataRequired(message=_l("Enter the mobile number."))])
    code = StringField(_l("SMS code"), [Optional(), Regexp(r"^\d{6}$", message=_l("The SMS code has 6 digits."))])


class SmsLoginView(BaseView):
    route_base = "/login/sms"
    default_view = "login"

    @expose("/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_index)
        form = SmsLoginForm()
        notice = None
        if form.validate_on_submit():
            try:
                if request.form.get("action") == "send":
                    notice = sms_login.request_code(form.id_number.data, form.phone.data)
                elif not form.code.data:
                    form.code.errors.append(_("Enter the 6-digit code from the SMS."))
                else:
                    person = sms_login.check_code(form.id_number.data, form.phone.data, form.code.data)
                    if person is not None:
                        self.appbuilder.sm.update_user_auth_stat(person.user, True)
                        login_user(person.user, remember=False)
                        return redirect(url_for("OutOfProvinceView.index"))
                    form.code.errors.append(str(sms_login.REFUSED))
            except sms_login.InvalidInput as e:
                getattr(form, e.field).errors.append(str(e))
        form.code.data = ""
        return self.render_template(
            "portal/login_sms.html", title=_("Out-of-province learners"), form=form, notice=notice,
            login_methods=current_app.extensions["portal"].login_methods.values(),
        )


class SmsLogin(LoginMethod):
    slug = "sms"
    label = _l("Out-of-province learners")
    endpoint = "SmsLoginView.login"
    views = (SmsLoginView,)


def _too_many(_limit):
    message = _("Too many requests from your network; wait a minute and try again.")
    return current_app.response_class(message, status=429, mimetype="text/plain")


@hookimpl
def register_login_methods():
    return [SmsLogin]


@hookimpl
def register_views(appbuilder):
    view = next(v for v in appbuilder.baseviews if isinstance(v, SmsLoginView))
    appbuilder.sm.limiter.limit(lambda: current_app.config["SMS_RATE_LIMIT"], methods=["POST"],
                                on_breach=_too_many)(view.blueprint)
