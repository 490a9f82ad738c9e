"""The SMS login's page, the second tab of the login page. It works without JavaScript (获取验证码
and 登录 are two submit buttons of one form); with it, 获取验证码 counts down until another code
may be asked for."""
from __future__ import annotations

from pathlib import Path

from flask import g, redirect, request
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Optional, Regexp

from portal.contracts import login_services

from . import codes


class SmsLoginForm(FlaskForm):
    id_number = StringField(_l("ID number"), [DataRequired(message=_l("Enter the ID number."))])
    phone = StringField(_l("Mobile number"), [DataRequired(message=_l("Enter the mobile number."))])
    code = StringField(_l("SMS code"), [Optional(), Regexp(r"^\d{6}$", message=_l("The SMS code has 6 digits."))])


class SmsLoginView(BaseView):
    route_base = "/login/sms"
    default_view = "login"
    # The plugin's own templates (auth_sms/...), shipped beside this module.
    template_folder = str(Path(__file__).resolve().parent / "templates")

    @expose("/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_index)
        form = SmsLoginForm()
        notice = None
        if form.validate_on_submit():
            try:
                if request.form.get("action") == "send":
                    notice = codes.request_code(form.id_number.data, form.phone.data)
                elif not form.code.data:
                    form.code.errors.append(_("Enter the 6-digit code from the SMS."))
                else:
                    learner = codes.check_code(form.id_number.data, form.phone.data, form.code.data)
                    if learner is not None:
                        return redirect(login_services().sign_in(learner))
                    form.code.errors.append(str(codes.REFUSED))
            except codes.InvalidInput as e:
                getattr(form, e.field).errors.append(str(e))
        form.code.data = ""
        return self.render_template("auth_sms/login.html", title=_("Out-of-province learners"), form=form, notice=notice)
