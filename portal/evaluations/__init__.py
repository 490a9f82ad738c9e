"""项目评价: the province's evaluation form, attached by organisers to their activities and answered
once by learners who attended, without their names; the activity's credit can wait for it."""
from __future__ import annotations

from flask import current_app, url_for
from flask_appbuilder import AppBuilder
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.menu import CONFIGURATION, STATISTICS


def _links(person, activity_ids):
    from portal.activities.record_links import Link
    from portal.evaluations import services

    return {activity_id: Link(_("Evaluated")) if state == "done"
            else Link(_("Evaluate"), url_for("EvaluateView.form", activity_id=activity_id))
            for activity_id, state in services.learner_state(person, activity_ids).items()}


def register(appbuilder: AppBuilder) -> None:
    from portal.activities import record_links
    from portal.activities import services as activities
    from portal.evaluations import services
    from portal.evaluations.api import EvaluationApi
    from portal.evaluations.views import EvaluateView, EvaluationView

    appbuilder.add_view(EvaluationView, "Evaluations", label=_l("Project evaluations"), icon="fa-star-half-alt",
                        **STATISTICS)
    appbuilder.add_link("EvaluationForm", label=_l("Default evaluation form"), href="/evaluations/form",
                        icon="fa-list-ol", **CONFIGURATION)
    appbuilder.add_view_no_menu(EvaluateView)
    appbuilder.add_api(EvaluationApi)
    activities.add_condition(current_app, "evaluation", _l("project evaluation"), services.evaluated)
    record_links.add(current_app, "evaluation", _l("Project evaluation"), _links)
