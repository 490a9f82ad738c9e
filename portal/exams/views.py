"""The pages of 在线考试: the learner's exam (start, the phone-first exam page that saves every
answer through the API, the result once released) and the organiser's bank, settings, Excel
import with its preview, and results."""
from __future__ import annotations

import io

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from portal.accounts.actor import current_actor
from portal.activities import codes
from portal.activities import services as activities
from portal.exams import services, workbook
from portal.exams.api import attempt_dict
from portal.exams.services import ExamInvalid, ExamRefused
from portal.extensions import db
from portal.models.exams import QUESTION_KINDS


class ExamView(BaseView):
    """The learner's pages."""

    route_base = "/exam"
    class_permission_name = "Exam"

    @expose("/<int:activity_id>", methods=["GET", "POST"])
    @has_access
    def start(self, activity_id: int):
        actor = current_actor()
        activity, exam = services.for_learner(actor, activity_id)
        if request.method == "POST":
            try:
                attempt, _created = services.start(actor, activity.id)
                return redirect(url_for("ExamView.attempt", attempt_id=attempt.id))
            except ExamRefused as e:
                flash(str(e), "danger")
        return self.render_template("portal/exams/start.html", title=_("Online exam"), activity=activity, exam=exam,
                                    attempts=services.attempts(activity, actor.person), local=activities.local,
                                    released=services.results_released(exam), draws=services.draws(exam))

    @expose("/attempt/<int:attempt_id>")
    @has_access
    def attempt(self, attempt_id: int):
        actor = current_actor()
        attempt, exam = services.current(actor, attempt_id)
        if attempt.state != "in_progress":
            return redirect(url_for("ExamView.start", activity_id=attempt.activity_id))
        return self.render_template("portal/exams/attempt.html", title=_("Online exam"), attempt=attempt,
                                    data=attempt_dict(attempt, exam), person=actor.person,
                                    kind_label=services.kind_label)

    @expose("/attempt/<int:attempt_id>/submit", methods=["POST"])
    @has_access
    def submit(self, attempt_id: int):
        attempt, exam = services.submit(current_actor(), attempt_id)
        if services.results_released(exam):
            flash(_("Handed in: %(score)d points, passed.", score=attempt.score) if attempt.passed
                  else _("Handed in: %(score)d points, not passed.", score=attempt.score),
                  "success" if attempt.passed else "warning")
        else:
            flash(_("Handed in. Your score is shown once the exam closes."), "success")
        return redirect(url_for("ExamView.start", activity_id=attempt.activity_id))


def _preview_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="exam-question-import")


class ExamAdminView(BaseView):
    """The organiser's pages."""

    route_base = "/exams"
    class_permission_name = "ExamAdmin"

    @expose("/activity/<int:activity_id>", methods=["GET", "POST"])
    @has_access
    def manage(self, activity_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        errors = {}
        if request.method == "POST":
            form = request.form
            data = {"draw": {kind: form.get(f"draw_{kind}", type=int) for kind in QUESTION_KINDS},
                    **{name: form.get(name, type=int) for name in services.SETTINGS},
                    "opens_at": form.get("opens_at", ""), "closes_at": form.get("closes_at", ""),
                    "shuffle_options": form.get("shuffle_options") == "1", "required": form.get("required") == "1"}
            try:
                services.save_settings(actor, activity, data)
                flash(_("The exam settings were saved."), "success")
                return redirect(url_for("ExamAdminView.manage", activity_id=activity.id))
            except ExamInvalid as e:
                db.session.rollback()
                errors = e.errors
        return self.render_template("portal/exams/manage.html", title=_("Online exam"), activity=activity,
                                    exam=services.exam_of(activity), bank=services.bank(activity), errors=errors,
                                    kinds=QUESTION_KINDS, kind_label=services.kind_label, local=activities.local)

    @expose("/activity/<int:activity_id>/question", methods=["POST"])
    @has_access
    def add_question(self, activity_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        form = request.form
        data = {"type": form.get("type"), "stem": form.get("stem"), "options": form.getlist("option"),
                "correct": [int(n) for n in form.getlist("correct") if n.isdigit()]}
        try:
            services.save_question(actor, activity, data)
            flash(_("The question was added."), "success")
        except ExamInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("ExamAdminView.manage", activity_id=activity.id))

    @expose("/activity/<int:activity_id>/question/<int:question_id>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, activity_id: int, question_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        services.withdraw_question(actor, activity, services.question_of(activity, question_id))
        flash(_("The question is out of the bank; attempts that showed it keep it."), "success")
        return redirect(url_for("ExamAdminView.manage", activity_id=activity.id))

    @expose("/activity/<int:activity_id>/import", methods=["POST"])
    @has_access
    def import_preview(self, activity_id: int):
        activity = activities.get(current_actor(), activity_id)
        upload = request.files.get("file")
        try:
            rows = workbook.read(upload.stream if upload else io.BytesIO(b""))
        except workbook.ImportInvalid as e:
            flash(str(e), "danger")
            return redirect(url_for("ExamAdminView.manage", activity_id=activity.id))
        return self.render_template("portal/exams/preview.html", title=_("Import questions"), activity=activity,
                                    rows=rows, token=_preview_signer().dumps({"activity": activity.id, "rows": rows}),
                                    kind_label=services.kind_label)

    @expose("/activity/<int:activity_id>/import/confirm", methods=["POST"])
    @has_access
    def import_confirm(self, activity_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        try:
            checked = _preview_signer().loads(request.form.get("token", ""))
        except BadSignature:
            checked = None
        if not checked or checked.get("activity") != activity.id:
            flash(_("The preview is not valid any more: upload the workbook again."), "danger")
        else:
            flash(_("%(n)d questions were imported.", n=services.import_questions(actor, activity, checked["rows"])),
                  "success")
        return redirect(url_for("ExamAdminView.manage", activity_id=activity.id))

    @expose("/activity/<int:activity_id>/results")
    @has_access
    def results(self, activity_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        found, shares = services.results(actor, activity)
        names = services.attempt_people(found)
        return self.render_template("portal/exams/results.html", title=_("Exam results"), activity=activity,
                                    attempts=found, shares=shares, names=names, local=activities.local,
                                    now=codes.utc_now())
