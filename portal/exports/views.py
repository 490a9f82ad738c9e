"""The export pages: a page's export button posts its filters to ``/exports/<kind>.<exporter>``
(see the ``export_button`` macro in portal/templates/portal/exports/macros.html) and gets the
file, or the job's page, which shows the progress and the download link when it is done, or
the failure with a button that starts the same export again."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.exports import jobs
from portal.models import ExportJob


class ExportView(BaseView):
    route_base = "/exports"
    class_permission_name = "Exports"

    @expose("/<kind>.<exporter>", methods=["POST"])
    @has_access
    def export(self, kind: str, exporter: str):
        params = {name: value for name, value in request.form.items() if name != "csrf_token"}
        try:
            result = jobs.start(current_actor(), kind, params, exporter)
        except ValueError as e:
            flash(str(e), "danger")
            return redirect(self._back())
        if isinstance(result, ExportJob):
            return redirect(url_for("ExportView.job", token=result.token))
        return result

    @expose("/jobs/<token>")
    @has_access
    def job(self, token: str):
        job = jobs.own_job(current_actor(), token)
        return self.render_template("portal/exports/job.html", title=_("Export"), job=job,
                                    status=jobs.job_status(job, "ExportView.file"))

    @expose("/jobs/<token>.json")
    @has_access
    def job_status(self, token: str):
        return jsonify(jobs.job_status(jobs.own_job(current_actor(), token), "ExportView.file"))

    @expose("/jobs/<token>/again", methods=["POST"])
    @has_access
    def again(self, token: str):
        """重新导出: the same export as a failed job, as a new job (or the file, when small now)."""
        try:
            result = jobs.again(current_actor(), token)
        except ValueError as e:
            flash(str(e), "danger")
            return redirect(url_for("ExportView.job", token=token))
        if isinstance(result, ExportJob):
            return redirect(url_for("ExportView.job", token=result.token))
        return result

    @expose("/jobs/<token>/file")
    @has_access
    def file(self, token: str):
        return jobs.job_file(jobs.own_job(current_actor(), token))

    def _back(self) -> str:
        """Where the export was asked from (a page of this site), else the home page."""
        referrer = urlsplit(request.referrer or "")
        local = referrer.path + (f"?{referrer.query}" if referrer.query else "") if referrer.netloc == request.host else None
        return safe_next(local, self.appbuilder.get_url_for_index)
