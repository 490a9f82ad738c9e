"""The pages of 项目评价: the learner's form (from 考勤记录查询, on the web and in the app), the
organiser's page of an activity's evaluation (attach, require, averages, comments), the overview of
every evaluated activity and teacher, and the province's default form."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.activities import services as activities
from portal.evaluations import services
from portal.evaluations.services import EvaluationInvalid, EvaluationRefused


class EvaluateView(BaseView):
    """The learner's form."""

    route_base = "/evaluate"
    class_permission_name = "Evaluate"

    @expose("/<int:activity_id>", methods=["GET", "POST"])
    @has_access
    def form(self, activity_id: int):
        actor = current_actor()
        activity, evaluation = services.for_learner(actor, activity_id)
        error = None
        if request.method == "POST":
            data = {"ratings": {i["key"]: request.form.get(f"item-{i['key']}", "") for i in evaluation.items},
                    "teachers": {name: request.form.get(f"teacher-{n}", "")
                                 for n, name in enumerate(services.teachers(activity))},
                    "comment": request.form.get("comment", "")}
            try:
                services.submit(actor, activity.id, data)
                flash(_("Thank you: your evaluation was saved without your name."), "success")
                return redirect(url_for("AttendanceView.records"))
            except (EvaluationRefused, EvaluationInvalid) as e:
                error = str(e)
        return self.render_template("portal/evaluations/form.html", title=_("Project evaluation"), activity=activity,
                                    evaluation=evaluation, teachers=services.teachers(activity), error=error,
                                    done=services.has_evaluated(activity.id, actor.person.id), values=request.form)


class EvaluationView(BaseView):
    """The organiser's and the province's pages."""

    route_base = "/evaluations"
    class_permission_name = "Evaluations"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        found, teachers = services.overview(current_actor())
        return self.render_template("portal/evaluations/index.html", title=_("Project evaluations"), summaries=found,
                                    teachers=teachers)

    @expose("/activity/<int:activity_id>", methods=["GET", "POST"])
    @has_access
    def activity(self, activity_id: int):
        actor = current_actor()
        activity = activities.get(actor, activity_id)
        if request.method == "POST":
            services.attach(actor, activity, request.form.get("required") == "1")
            flash(_("The evaluation form is attached to this activity."), "success")
            return redirect(url_for("EvaluationView.activity", activity_id=activity.id))
        return self.render_template("portal/evaluations/activity.html", title=_("Project evaluation"), activity=activity,
                                    evaluation=services.of(activity), found=services.summary(activity))

    @expose("/form", methods=["GET", "POST"])
    @has_access
    def default_form(self):
        actor = current_actor()
        if not actor.is_province_admin:
            abort(404)
        form, errors = services.default_form(), {}
        if request.method == "POST":
            try:
                services.edit_default(actor, request.form.get("name", ""), request.form.get("items", "").splitlines())
                flash(_("The default evaluation form was saved."), "success")
                return redirect(url_for("EvaluationView.default_form"))
            except EvaluationInvalid as e:
                errors = e.errors
        return self.render_template("portal/evaluations/default_form.html", title=_("Default evaluation form"),
                                    form=form, errors=errors)
