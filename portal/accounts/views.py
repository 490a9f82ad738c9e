"""修改密码: the password change page, also where a first login with an initial password lands."""
from __future__ import annotations

from flask import flash, g, redirect
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from portal.accounts import services, sessions
from portal.accounts.actor import current_actor
from portal.accounts.password_policy import MIN_LENGTH


class ChangePasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), [DataRequired(message=_l("Enter your current password."))])
    new_password = PasswordField(
        _l("New password"), [DataRequired(message=_l("Enter a new password."))],
        description=_l("At least %(n)d characters; not a common password, your username or digits of your ID number.",
                       n=MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("New password again"), [DataRequired(message=_l("Enter the new password again.")),
                                   EqualTo("new_password", message=_l("The two new passwords differ."))]
    )


class PasswordView(BaseView):
    route_base = "/account/password"
    class_permission_name = "Password"
    default_view = "change"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def change(self):
        actor = current_actor()
        form = ChangePasswordForm()
        forced = services.must_change_password(g.user.id)
        if form.validate_on_submit():
            problems = services.change_password(
                actor.user, form.old_password.data, form.new_password.data,
                actor.person.id_number if actor.person else "",
            )
            if not problems:
                # Every session of the account ended with the change; this browser goes on in a new one.
                sessions.start_browser(actor.user.id, must_change_password=False)
                flash(_("Your password was changed."), "success")
                return redirect(self.appbuilder.get_url_for_index)
            form.new_password.errors = list(form.new_password.errors) + problems
        return self.render_template("portal/accounts/password.html", title=_("Change password"), form=form, forced=forced)
