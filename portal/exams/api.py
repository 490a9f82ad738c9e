"""REST API of 在线考试 (/api/v1, JWT or the signed-in browser with CSRF). The learner's side starts
an attempt, saves each answer (PUT per slot), reports the page hidden and hands in; nothing it
answers says which options are right, and the score only once the exam has closed. The organiser's
side sets the exam, adds and imports questions and reads the results."""
from __future__ import annotations

import io
from typing import Any

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.activities import codes
from portal.activities import services as activities
from portal.exams import services, workbook
from portal.exams.services import ExamInvalid, ExamRefused
from portal.jsonapi import answer, json_body
from portal.models import AttemptSlot, Exam, ExamAttempt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _time(value) -> str | None:
    return activities.local(value).isoformat() if value else None


def slot_dict(slot: AttemptSlot) -> dict[str, Any]:
    version = slot.version
    kind = version.question.kind
    texts = {o["id"]: o["text"] for o in (services.judge_options() if kind == "judge" else version.options)}
    return {"slot": slot.slot, "stem": version.stem, "type": kind,
            "options": [{"id": i, "text": texts[i]} for i in slot.option_order], "option_ids": slot.answer or []}


def attempt_dict(attempt: ExamAttempt, exam: Exam) -> dict[str, Any]:
    left = (attempt.deadline - codes.utc_now()).total_seconds() if attempt.state == "in_progress" else 0
    found = {"attempt_id": attempt.id, "number": attempt.number, "state": attempt.state,
             "deadline": _time(attempt.deadline), "seconds_left": max(0, int(left)),
             "questions": [slot_dict(s) for s in attempt.slots]}
    if attempt.state != "in_progress" and services.results_released(exam):
        found.update(score=attempt.score, passed=attempt.passed)
    return found


def refused(error: ExamRefused):
    return answer(409, code=error.code, message=str(error), **error.details)


class ExamApi(BaseApi):
    """The learner's side."""

    route_base = "/api/v1"
    resource_name = "exams"
    class_permission_name = "ExamApi"
    allow_browser_login = True
    openapi_spec_tag = "Online exams"

    @expose("/activities/<int:activity_id>/exam/attempts", methods=["POST"])
    @protect()
    @permission_name("post")
    def start(self, activity_id: int):
        """Start an attempt (or get back the one in progress): its questions drawn for the learner.
        ---
        post:
          responses:
            201: {description: "{attempt_id, deadline, questions: [{slot, stem, type, options: [{id, text}]}]}"}
            200: {description: The attempt in progress}
            404: {description: No exam, or not an activity the learner may attend}
            409: {description: "{code: attempts_used | wait | exam_closed | not_attended | no_questions}"}
        """
        try:
            attempt, created = services.start(current_actor(), activity_id)
        except ExamRefused as e:
            return refused(e)
        return answer(201 if created else 200, **attempt_dict(attempt, services.exam_for(attempt)))

    @expose("/exam-attempts/<int:attempt_id>", methods=["GET"])
    @protect()
    @permission_name("get")
    def read(self, attempt_id: int):
        """The learner's attempt with the answers saved (after a reload).
        ---
        get:
          responses:
            200: {description: "{attempt_id, state, deadline, questions: [... option_ids]} (score, passed once released)"}
            404: {description: Not the caller's attempt}
        """
        attempt, exam = services.current(current_actor(), attempt_id)
        return answer(200, **attempt_dict(attempt, exam))

    @expose("/exam-attempts/<int:attempt_id>/answers/<int:slot>", methods=["PUT"])
    @protect()
    @permission_name("put")
    def save(self, attempt_id: int, slot: int):
        """Save the answer to one question, as given (repeats are harmless).
        ---
        put:
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object, properties: {option_ids: {type: array, items: {type: integer}}}}
          responses:
            200: {description: "{slot, option_ids, saved_at}"}
            400: {description: Not options of this question}
            404: {description: Not the caller's attempt or slot}
            409: {description: "{code: deadline_passed | attempt_finished}"}
        """
        try:
            saved = services.save_answer(g.user, attempt_id, slot, json_body().get("option_ids"))
        except ExamRefused as e:
            return refused(e)
        except ExamInvalid as e:
            return answer(400, message=e.errors)
        return answer(200, slot=saved.slot, option_ids=saved.answer, saved_at=_time(saved.saved_at))

    @expose("/exam-attempts/<int:attempt_id>/hidden", methods=["POST"])
    @protect()
    @permission_name("post")
    def hidden(self, attempt_id: int):
        """The exam page was hidden (the learner left it): counted for the organiser.
        ---
        post:
          responses:
            204: {description: Counted}
        """
        services.page_hidden(current_actor(), attempt_id)
        return "", 204

    @expose("/exam-attempts/<int:attempt_id>/submit", methods=["POST"])
    @protect()
    @permission_name("post")
    def submit(self, attempt_id: int):
        """Hand the attempt in.
        ---
        post:
          responses:
            200: {description: "{score, passed} once the exam has closed, else {submitted: true}"}
            404: {description: Not the caller's attempt}
        """
        attempt, exam = services.submit(current_actor(), attempt_id)
        if services.results_released(exam):
            return answer(200, score=attempt.score, passed=attempt.passed)
        return answer(200, submitted=True)


class ExamAdminApi(BaseApi):
    """The organiser's side: activities they organise (any for the province)."""

    route_base = "/api/v1"
    resource_name = "exam-admin"
    class_permission_name = "ExamAdmin"
    allow_browser_login = True
    openapi_spec_tag = "Online exams"

    @expose("/activities/<int:activity_id>/exam", methods=["PUT"])
    @protect()
    @permission_name("put")
    def settings(self, activity_id: int):
        """Set the exam.
        ---
        put:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    draw: {type: object, properties: {single: {type: integer}, multiple: {type: integer}, judge: {type: integer}}}
                    time_limit_s: {type: integer}
                    pass_mark: {type: integer, description: percent of questions right}
                    max_attempts: {type: integer}
                    wait_s: {type: integer}
                    opens_at: {type: string, format: date-time}
                    closes_at: {type: string, format: date-time}
                    shuffle_options: {type: boolean}
                    required: {type: boolean, description: the credit waits for a pass}
          responses:
            200: {description: The settings}
            400: {description: "What is wrong, by field"}
            404: {description: Not an activity the caller organises}
        """
        activity = activities.get(current_actor(), activity_id)
        try:
            exam = services.save_settings(current_actor(), activity, json_body())
        except ExamInvalid as e:
            return answer(400, message=e.errors)
        return answer(200, draw=services.draws(exam), time_limit_s=exam.time_limit_s, pass_mark=exam.pass_mark,
                      max_attempts=exam.max_attempts, wait_s=exam.wait_s, opens_at=_time(exam.opens_at),
                      closes_at=_time(exam.closes_at), shuffle_options=exam.shuffle_options, required=exam.required)

    @expose("/activities/<int:activity_id>/questions", methods=["POST"])
    @protect()
    @permission_name("post")
    def add_question(self, activity_id: int):
        """Add a question typed in: {type, stem, options: [texts], correct: [0-based indexes]}.
        ---
        post:
          responses:
            201: {description: "{id, version}"}
            400: {description: What is wrong}
        """
        activity = activities.get(current_actor(), activity_id)
        try:
            question = services.save_question(current_actor(), activity, json_body())
        except ExamInvalid as e:
            return answer(400, message=e.errors)
        return answer(201, id=question.id, version_id=question.current_version_id)

    @expose("/activities/<int:activity_id>/questions/<int:question_id>", methods=["PUT"])
    @protect()
    @permission_name("put")
    def edit_question(self, activity_id: int, question_id: int):
        """A new version of a question; attempts made keep the version they showed.
        ---
        put:
          responses:
            200: {description: "{id, version_id}"}
            400: {description: What is wrong}
        """
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        try:
            question = services.save_question(actor, activity, json_body(), services.question_of(activity, question_id))
        except ExamInvalid as e:
            return answer(400, message=e.errors)
        return answer(200, id=question.id, version_id=question.current_version_id)

    @expose("/activities/<int:activity_id>/questions.xlsx", methods=["GET"])
    @protect()
    @permission_name("get")
    def template(self, activity_id: int):
        """The Excel template of the question bank.
        ---
        get:
          responses:
            200: {description: The workbook}
        """
        activities.get(current_actor(), activity_id)
        return send_file(io.BytesIO(workbook.template()), mimetype=XLSX, as_attachment=True,
                         download_name="questions-template.xlsx")

    @expose("/activities/<int:activity_id>/questions.xlsx", methods=["POST"])
    @protect()
    @permission_name("post")
    def import_questions(self, activity_id: int):
        """Import a filled-in template (multipart field ``file``, or the workbook as the body): all of it or nothing.
        ---
        post:
          responses:
            201: {description: "{imported}"}
            400: {description: "{message}: the first bad row, named"}
        """
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        upload = request.files.get("file")
        try:
            rows = workbook.read(upload.stream if upload else io.BytesIO(request.get_data()))
        except workbook.ImportInvalid as e:
            return answer(400, message=str(e))
        return answer(201, imported=services.import_questions(actor, activity, rows))

    @expose("/activities/<int:activity_id>/exam/results", methods=["GET"])
    @protect()
    @permission_name("get")
    def results(self, activity_id: int):
        """Every attempt and the share of right answers per question (overdue attempts closed first).
        ---
        get:
          responses:
            200: {description: "{attempts: [...], questions: [...]}"}
        """
        actor = current_actor()
        found, shares = services.results(actor, activities.get(actor, activity_id))
        return answer(200, attempts=[{"person_id": a.person_id, "number": a.number, "state": a.state, "score": a.score,
                                      "passed": a.passed, "visibility_changes": a.visibility_changes,
                                      "started_at": _time(a.started_at), "finished_at": _time(a.finished_at)}
                                     for a in found],
                      questions=[{"question_id": s.question_id, "version": s.version, "stem": s.stem, "shown": s.shown,
                                  "right": s.right, "share": s.share} for s in shares])
