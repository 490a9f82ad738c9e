"""Accounts: signing in (the login methods plugins provide), passwords, roles, the actor a
request acts as, and the guards every request passes."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.accounts.trail_views import AuditTrailView
    from portal.accounts.views import PasswordView

    appbuilder.add_view(PasswordView, "Password", label=_l("Change password"), icon="fa-key", **menu.SETTINGS)
    appbuilder.add_view(AuditTrailView, "AuditTrail", label=_l("Audit trail"), icon="fa-clipboard-list", **menu.SETTINGS)
    for method in current_app.extensions["portal"].login_methods.values():
        for view in method.views:
            appbuilder.add_view_no_menu(view)
