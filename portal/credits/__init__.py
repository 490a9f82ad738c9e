"""Credit records (学分记录): entering them (free form or a credit type's wizard) with their
evidence, submitting them, and 学分情况查询. Their review is portal.review's."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.credits.api import CreditApi
    from portal.credits.query import credit_table
    from portal.credits.query_views import CreditQueryView
    from portal.credits.rows import MineRows
    from portal.credits.views import CreditEntryView
    from portal.exports import builders

    appbuilder.add_view_no_menu(CreditEntryView)
    for name, label, href in (
        ("CreditEntryFree", _l("Enter credits (free form)"), "/credits/new/free"),
        ("CreditEntryWizard", _l("Enter credits (wizard)"), "/credits/wizard"),
        ("MyCredits", _l("My entered credits"), "/credits/mine"),
    ):
        appbuilder.add_link(name, label=label, href=href, icon="fa-pen-to-square", **menu.CREDIT_MANAGEMENT)
    appbuilder.add_view(CreditQueryView, "CreditQuery", label=_l("Credit query"), icon="fa-search", **menu.STATISTICS)
    appbuilder.add_api(CreditApi)
    builders.add(current_app, "credits", credit_table)
    current_app.add_template_global(MineRows, "mine_rows")
