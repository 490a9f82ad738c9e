"""Credit categories (学分类别): configuration over the credit types plugins provide."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.categories.api import CreditCategoryApi
    from portal.categories.views import CategoryView

    appbuilder.add_view(CategoryView, "Categories", label=_l("Credit categories"), icon="fa-list",
                        **menu.CONFIGURATION)
    appbuilder.add_api(CreditCategoryApi)
