"""The menu users know (the provincial system's): its categories, which a feature names when it
adds a page under one, and the order of the top entries. Features register in the order of
create_app's list, which orders the pages within a category; ``arrange`` then puts the top
entries in the order below, whichever feature happened to name a category first."""
from __future__ import annotations

from flask import current_app, g, render_template, request, session
from flask_appbuilder import AppBuilder
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

CREDIT_MANAGEMENT = {"category": "CreditManagement", "category_label": _l("Credit management"),
                     "category_icon": "fa-graduation-cap"}
UNITS = {"category": "Units", "category_label": _l("Units"), "category_icon": "fa-hospital"}
CONFIGURATION = {"category": "Configuration", "category_label": _l("Configuration"), "category_icon": "fa-sliders-h"}
STATISTICS = {"category": "Statistics", "category_label": _l("Statistics"), "category_icon": "fa-chart-bar"}
ATTENDANCE = {"category": "AttendanceMenu", "category_label": _l("Attendance"), "category_icon": "fa-calendar-check"}
SETTINGS = {"category": "Settings", "category_label": _l("Settings"), "category_icon": "fa-cog"}

# The top entries, first to last (Security is Flask-AppBuilder's own); a plugin's come after them.
TOP = ("Security", "CreditManagement", "AttendanceMenu", "Profile", "People", "Transfers", "Review", "Activities", "Units",
       "Configuration", "Statistics", "OutOfProvince", "Settings")


def arrange(appbuilder: AppBuilder) -> None:
    """Put the top entries in the order of ``TOP`` (entries not named there keep theirs, after)."""
    rank = {name: n for n, name in enumerate(TOP)}
    appbuilder.menu.menu.sort(key=lambda item: rank.get(item.name, len(rank)))


def rendered() -> Markup:
    """The menu's markup (FAB's appbuilder/navbar_menu.html). What it shows depends only on the
    user's roles (which pages they may open), the language and where the portal is mounted, so
    it is made once for each of those and kept; anyone whose roles are not all configured ones
    gets it made afresh."""
    appbuilder = current_app.appbuilder
    roles = appbuilder.sm.request_roles()
    if roles is None:
        return Markup(render_template("appbuilder/navbar_menu.html", menu=appbuilder.menu))
    key = (roles, str(get_locale()), request.script_root)
    made = current_app.extensions.setdefault("portal.menu", {})
    if key not in made:
        made[key] = Markup(render_template("appbuilder/navbar_menu.html", menu=appbuilder.menu))
    return made[key]


# Stands for the user's name in a kept bar; no name or markup holds it.
_USER_NAME = "\x00user-name\x00"


def navbar() -> Markup:
    """The top bar (appbuilder/navbar.html): the menu, the language menu and the user's menu,
    about a tenth of a list page's rendering. Besides the user's name, put in afterwards, it
    depends on what the menu depends on and the language chosen in the session, so it is made
    once for each of those and kept; anyone not signed in has the public role's."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    signed_in = not current_user.is_anonymous
    # request_roles answers only when every role is a configured one, as the public role must be.
    public = (sm.auth_role_public,) if sm.auth_role_public in sm.builtin_roles else None
    roles = sm.request_roles() if signed_in else public
    name = g.user.get_full_name() if signed_in else ""
    if roles is None:
        return Markup(render_template("appbuilder/navbar.html", appbuilder=appbuilder, user_name=name))
    key = (roles, str(get_locale()), session.get("locale"), request.script_root)
    made = current_app.extensions.setdefault("portal.navbar", {})
    if key not in made:
        made[key] = render_template("appbuilder/navbar.html", appbuilder=appbuilder, user_name=_USER_NAME)
    return Markup(made[key].replace(_USER_NAME, escape(name)))
