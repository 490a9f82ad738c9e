"""在线考试: an activity's question bank (versioned, typed in or imported from Excel), its exam
settings, learners' attempts owned by the server, the organiser's results; the activity's credit
can wait for a pass."""
from __future__ import annotations

from flask import current_app, url_for
from flask_appbuilder import AppBuilder
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


def _links(person, activity_ids):
    from portal.activities.record_links import Link
    from portal.exams import services

    texts = {"passed": _("Passed"), "taken": _("Taken"), "open": _("Take the exam")}
    return {activity_id: Link(texts[state], url_for("ExamView.start", activity_id=activity_id))
            for activity_id, state in services.learner_state(person, activity_ids).items()}


def register(appbuilder: AppBuilder) -> None:
    from portal.activities import record_links
    from portal.activities import services as activities
    from portal.exams import services
    from portal.exams.api import ExamAdminApi, ExamApi
    from portal.exams.views import ExamAdminView, ExamView

    appbuilder.add_view_no_menu(ExamView)
    appbuilder.add_view_no_menu(ExamAdminView)
    appbuilder.add_api(ExamApi)
    appbuilder.add_api(ExamAdminApi)
    activities.add_condition(current_app, "exam", _l("a pass of the online exam"), services.passed)
    record_links.add(current_app, "exam", _l("Online exam"), _links)
