"""Notices (通知): each person's notice box, review results, reminders to staff behind target and
deadline notices; notifier plugins deliver them beyond the box (PORTAL_NOTIFIERS)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.notices.api import NoticeApi
    from portal.notices.views import NoticeView, ReminderView

    appbuilder.add_view(NoticeView, "Notices", label=_l("My notices"), icon="fa-bell")
    appbuilder.add_view_no_menu(ReminderView)
    appbuilder.add_api(NoticeApi)
    registered = current_app.extensions["portal"].notifiers
    unknown = [slug for slug in current_app.config["NOTIFIERS"] if slug not in registered]
    if unknown:
        raise RuntimeError(f"PORTAL_NOTIFIERS names {', '.join(unknown)}, which no plugin registers "
                           f"(registered: {', '.join(registered) or 'none'})")
