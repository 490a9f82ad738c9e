"""REST API of 项目评价 (/api/v1, JWT or the signed-in browser with CSRF): the learner reads the
form and sends the answers; the organiser attaches the form and reads the averages."""
from __future__ import annotations

from typing import Any

from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.activities import services as activities
from portal.evaluations import services
from portal.evaluations.services import EvaluationInvalid, EvaluationRefused
from portal.extensions import db
from portal.jsonapi import answer, json_body
from portal.models import Activity


def _figure(value) -> str | None:
    return None if value is None else str(value)


def summary_dict(found: services.Summary) -> dict[str, Any]:
    return {"activity_id": found.activity.id, "answers": found.count, "overall": _figure(found.overall),
            "items": [{"label": label, "average": _figure(v)} for label, v in found.items],
            "teachers": [{"name": name, "average": _figure(v)} for name, v in found.teachers],
            "comments": found.comments}


def _organised(activity_id: int) -> Activity | None:
    actor = current_actor()
    return db.session.scalar(activities.organised(actor).where(Activity.id == activity_id))


class EvaluationApi(BaseApi):
    route_base = "/api/v1"
    resource_name = "evaluations"
    class_permission_name = "EvaluationApi"
    allow_browser_login = True
    openapi_spec_tag = "Project evaluation"

    @expose("/activities/<int:activity_id>/evaluation", methods=["GET"])
    @protect()
    @permission_name("get")
    def read(self, activity_id: int):
        """The organiser: the averages per item and teacher and the comments; the learner: the form.
        ---
        get:
          parameters:
          - {in: path, name: activity_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "organiser: {answers, overall, items, teachers, comments}; learner: {items, teachers, evaluated}"}
            404: {description: No evaluation, or not an activity of the caller}
        """
        activity = _organised(activity_id)
        if activity is not None:
            if services.of(activity) is None:
                return answer(404, code="not_found", message="")
            return answer(200, **summary_dict(services.summary(activity)))
        actor = current_actor()
        activity, evaluation = services.for_learner(actor, activity_id)
        return answer(200, activity_id=activity.id, required=evaluation.required,
                      items=[{"key": i["key"], "label": i["label"]} for i in evaluation.items],
                      teachers=services.teachers(activity), scale=[1, 5],
                      evaluated=services.has_evaluated(activity.id, actor.person.id))

    @expose("/activities/<int:activity_id>/evaluation", methods=["POST"])
    @protect()
    @permission_name("post")
    def submit(self, activity_id: int):
        """The learner's answers, once.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    ratings: {type: object, description: "item key → 1..5, every item"}
                    teachers: {type: object, description: "teacher → 1..5, every teacher"}
                    comment: {type: string}
          responses:
            201: {description: Saved}
            400: {description: A rating missing or out of range}
            404: {description: No evaluation, or not an activity the learner may attend}
            409: {description: "{code: not_attended | already_evaluated}"}
        """
        try:
            services.submit(current_actor(), activity_id, json_body())
        except EvaluationRefused as e:
            return answer(409, code=e.code, message=str(e))
        except EvaluationInvalid as e:
            return answer(400, message=e.errors)
        return answer(201, evaluated=True)

    @expose("/activities/<int:activity_id>/evaluation", methods=["PUT"])
    @protect()
    @permission_name("put")
    def attach(self, activity_id: int):
        """The organiser attaches the province's form, and says whether the credit waits for it.
        ---
        put:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    required: {type: boolean}
          responses:
            200: {description: "{items, required}"}
            404: {description: Not an activity the caller organises}
        """
        activity = _organised(activity_id)
        if activity is None:
            return answer(404, code="not_found", message="")
        evaluation = services.attach(current_actor(), activity, json_body().get("required") is True)
        return answer(200, items=evaluation.items, required=evaluation.required)
