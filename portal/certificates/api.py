"""REST API of certificates: issue for approved records, and download them as PDF or ZIP."""
from __future__ import annotations

from flask import jsonify, make_response, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.certificates import files, services
from portal.jsonapi import answer, json_body


def _numbers() -> list[str]:
    return (request.args.get("numbers") or "").split(",")


class CertificateApi(BaseApi):
    route_base = "/api/v1"
    resource_name = "certificates"
    class_permission_name = "CertificateApi"
    allow_browser_login = True
    openapi_spec_tag = "Certificates"

    @expose("/certificates/", methods=["POST"])
    @protect()
    @permission_name("post")
    def issue(self):
        """Issue certificates for approved records (the existing one for a record that has one).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {credit_ids: {type: array, items: {type: integer}}}}
          responses:
            201: {description: "[{credit_id, number, verify_url}]"}
            400: {description: credit_ids missing or not a list of integers}
            404: {description: A record that is not approved or not yours}
        """
        ids = json_body().get("credit_ids")
        if not isinstance(ids, list) or not ids or any(type(i) is not int for i in ids):
            return answer(400, code="invalid", message=_("credit_ids must be a non-empty list of record ids."))
        certificates = services.issue(current_actor(), ids)
        body = [{"credit_id": c.record_id, "number": c.number, "verify_url": c.statement["verify_url"]}
                for c in certificates]
        # A JSON list, as the issue specifies (``answer`` makes objects).
        response = make_response(jsonify(body), 201)
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        return response

    @expose("/certificates/<number>.pdf", methods=["GET"])
    @protect()
    @permission_name("get")
    def one(self, number: str):
        """One certificate as PDF.
        ---
        get:
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: application/pdf}
            404: {description: Not a certificate you may see}
        """
        return files.send_pdf(services.find(current_actor(), [number]))

    @expose("/certificates.pdf", methods=["GET"])
    @protect()
    @permission_name("get")
    def pdf(self):
        """Several certificates in one PDF, a page each.
        ---
        get:
          parameters:
          - {in: query, name: numbers, required: true, description: comma-separated, schema: {type: string}}
          responses:
            200: {description: application/pdf}
            404: {description: A certificate you may not see}
        """
        return files.send_pdf(services.find(current_actor(), _numbers()))

    @expose("/certificates.zip", methods=["GET"])
    @protect()
    @permission_name("get")
    def zip(self):
        """Several certificates as a ZIP of one PDF each.
        ---
        get:
          parameters:
          - {in: query, name: numbers, required: true, description: comma-separated, schema: {type: string}}
          responses:
            200: {description: application/zip}
            404: {description: A certificate you may not see}
        """
        return files.send_zip(services.find(current_actor(), _numbers()))
