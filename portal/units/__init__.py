"""Units (单位): the tree of hospitals and health bureaus, its editor and its API."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.units.api import UnitApi
    from portal.units.views import UnitModelView, UnitTreeView

    appbuilder.add_view(UnitTreeView, "UnitTree", label=_l("Unit tree"), icon="fa-sitemap", **menu.UNITS)
    appbuilder.add_view(UnitModelView, "UnitList", label=_l("Edit units"), icon="fa-pen", **menu.UNITS)
    appbuilder.add_link("UnitAdmins", label=_l("Unit admins"), href="/people/?role=unit_admin",
                        icon="fa-user-shield", **menu.UNITS)
    appbuilder.add_api(UnitApi)
