"""REST API of exports: the same tables as the pages' export buttons, with the query string as
the parameters (``/api/v1/exports/credits.xlsx?from=2024-01-01&to=2024-12-31``). A large table
answers 202 with the job to follow."""
from __future__ import annotations

from collections.abc import Mapping

from flask import request, url_for
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.exports import jobs
from portal.models import ExportJob


class ExportApi(BaseApi):
    route_base = "/api/v1/exports"
    resource_name = "exports"
    class_permission_name = "ExportApi"
    allow_browser_login = True
    openapi_spec_tag = "Exports"

    @expose("/<kind>.<exporter>", methods=["GET"])
    @protect()
    @permission_name("get")
    def export(self, kind: str, exporter: str):
        """Export a table (credits ...) as a file (``xlsx``); the query string gives its filters.
        ---
        get:
          parameters:
          - {in: path, name: kind, required: true, schema: {type: string, example: credits}}
          - {in: path, name: exporter, required: true, schema: {type: string, example: xlsx}}
          responses:
            200: {description: The file, as an attachment}
            202: {description: "Too large to send at once: {job, status_url, download_url}"}
            400: {description: "Wrong parameters: {message}"}
            404: {description: No such table or exporter, or not yours to see}
        """
        return self._start(kind, exporter, request.args.to_dict())

    @expose("/compliance/<int:year>.<exporter>", methods=["GET"])
    @protect()
    @permission_name("get")
    def compliance(self, year: int, exporter: str):
        """Export the compliance table (达标情况) of a year; the query string gives its other filters.
        ---
        get:
          parameters:
          - {in: path, name: year, required: true, schema: {type: integer, example: 2024}}
          - {in: path, name: exporter, required: true, schema: {type: string, example: xlsx}}
          responses:
            200: {description: The file, as an attachment}
            202: {description: "Too large to send at once: {job, status_url, download_url}"}
            400: {description: "Wrong parameters: {message}"}
            404: {description: No such exporter}
        """
        return self._start("compliance", exporter, {**request.args.to_dict(), "year": str(year)})

    @expose("/jobs/<token>", methods=["GET"])
    @protect()
    @permission_name("get")
    def job(self, token: str):
        """An export job of one's own.
        ---
        get:
          parameters:
          - {in: path, name: token, required: true, schema: {type: string}}
          responses:
            200: {description: "{status: queued|running|done|failed, rows_done, rows_total, error, download_url}"}
            404: {description: Not found or not yours}
        """
        return self.response(200, **jobs.job_status(jobs.own_job(current_actor(), token), "ExportApi.file"))

    @expose("/jobs/<token>/file", methods=["GET"])
    @protect()
    @permission_name("get")
    def file(self, token: str):
        """The file an export job made, once it is done.
        ---
        get:
          parameters:
          - {in: path, name: token, required: true, schema: {type: string}}
          responses:
            200: {description: The file, as an attachment}
            404: {description: Not found, not yours, or not done yet}
        """
        return jobs.job_file(jobs.own_job(current_actor(), token))

    def _start(self, kind: str, exporter: str, params: Mapping[str, str]):
        try:
            result = jobs.start(current_actor(), kind, params, exporter)
        except ValueError as e:
            return self.response_400(message=str(e))
        if isinstance(result, ExportJob):
            return self.response(202, job=result.token, status_url=url_for("ExportApi.job", token=result.token),
                           download_url=url_for("ExportApi.file", token=result.token))
        return result
