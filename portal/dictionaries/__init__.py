"""Dictionaries (字典): credit levels, hosting methods, disciplines and the like."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.dictionaries.api import DictionaryApi
    from portal.dictionaries.views import DictionaryModelView

    appbuilder.add_view(DictionaryModelView, "Dictionaries", label=_l("Dictionaries"), icon="fa-book",
                        **menu.CONFIGURATION)
    appbuilder.add_api(DictionaryApi)
