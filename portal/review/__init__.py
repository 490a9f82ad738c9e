"""学分审核: unit admins and the province approve or reject submitted records (pages, API, exports)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.exports import builders
    from portal.review import exports
    from portal.review.api import ReviewApi
    from portal.review.rows import QueueRows, duplicate_label
    from portal.review.views import ReviewView

    appbuilder.add_view(ReviewView, "Review", label=_l("Credit review"), icon="fa-clipboard-check")
    appbuilder.add_api(ReviewApi)
    builders.add(current_app, exports.QUEUE, exports.queue_table)
    builders.add(current_app, exports.BACKLOG, exports.backlog_table)
    current_app.add_template_global(QueueRows, "queue_rows")
    current_app.add_template_global(duplicate_label)
