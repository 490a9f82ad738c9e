"""学分审核: unit admins approve or reject their unit's submitted records (pages and API)."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.review.api import ReviewApi
    from portal.review.views import ReviewView

    appbuilder.add_view(ReviewView, "Review", label=_l("Credit review"), icon="fa-clipboard-check")
    appbuilder.add_api(ReviewApi)
