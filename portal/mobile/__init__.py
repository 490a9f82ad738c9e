"""医教管理, the learners' phone app under /m/: an installable web app (manifest, service worker,
offline page) with sign-in by password or SMS code, 扫一扫 and the 学员入口 pages. Its pages reuse
the services of credits, compliance, certificates and people; its entries are data (entries.py)."""
from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_appbuilder import AppBuilder
from flask_login import current_user


def register(appbuilder: AppBuilder) -> None:
    from portal.mobile.views import MobileShellView, MobileView

    sign_in = appbuilder.add_view_no_menu(MobileShellView)
    appbuilder.add_view_no_menu(MobileView)
    sm = appbuilder.sm
    # The sign-in form takes the login page's per-IP limit; asking for codes adds the SMS login's.
    login = {"MobileShellView.login"}
    sm.limiter.limit(sm.auth_rate_limit, methods=["POST"],
                     exempt_when=lambda: request.endpoint not in login)(sign_in.blueprint)
    sm.limiter.limit(lambda: current_app.config["SMS_RATE_LIMIT"], methods=["POST"],
                     exempt_when=lambda: request.endpoint not in login or request.form.get("action") != "send"
                     )(sign_in.blueprint)

    @current_app.before_request
    def app_sign_in_first():
        # A visitor opening an app page signs in on the app's own page, then comes back to it.
        if request.blueprint == MobileView.__name__ and not current_user.is_authenticated:
            return redirect(url_for("MobileShellView.login", next=request.full_path.rstrip("?")))
        return None
