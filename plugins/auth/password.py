"""账号密码登录: the username + password + captcha form (served by the core's hardened FAB
login view), listed as the first tab of the login page."""
from flask_babel import lazy_gettext as _l

from portal.contracts import LoginMethod
from portal.hookspecs import hookimpl


class PasswordLogin(LoginMethod):
    slug = "password"
    label = _l("Username and password")
    endpoint = "PortalAuthDBView.login"


@hookimpl
def register_login_methods():
    return [PasswordLogin]
