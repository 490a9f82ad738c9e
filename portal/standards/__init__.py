"""Compliance standards (达标标准) as data: the provincial admin's editor, the browse page every
signed-in user reads, and the API for tools."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.standards.api import RuleSetApi
    from portal.standards.views import StandardsBrowseView, StandardsView

    appbuilder.add_view(StandardsView, "Standards", label=_l("Compliance standards"), icon="fa-clipboard-list",
                        **menu.CONFIGURATION)
    appbuilder.add_view(StandardsBrowseView, "StandardsBrowse", label=_l("Compliance standards in force"),
                        icon="fa-scale-balanced", **menu.STATISTICS)
    appbuilder.add_api(RuleSetApi)
