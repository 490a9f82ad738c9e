"""外省人员登录: ID number + mobile number + SMS code, the second tab of the login page. Its rules
and code store are in codes.py, its page in views.py and templates/; the core lends it what is
not its own through portal.contracts.LoginServices. Its POSTs are limited per IP address
(SMS_RATE_LIMIT)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.contracts import LoginMethod
from portal.hookspecs import hookimpl

from .views import SmsLoginView


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
