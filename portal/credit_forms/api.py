"""REST API of the forms: each call generates a new frozen form and answers its PDF; the
form's number and verification URL come in the X-Form-Number and X-Verify-URL headers."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.credit_forms import files, services
from portal.credit_forms.services import YearsInvalid
from portal.jsonapi import answer
from portal.people import services as people


class CreditFormApi(BaseApi):
    route_base = "/api/v1/forms"
    resource_name = "forms"
    class_permission_name = "CreditFormApi"
    allow_browser_login = True
    openapi_spec_tag = "Forms"

    @expose("/registration/<int:year>.pdf", methods=["GET"])
    @protect()
    @permission_name("get")
    def registration(self, year: int):
        """A new 学分登记表 of the year, as PDF.
        ---
        get:
          parameters:
          - {in: path, name: year, required: true, schema: {type: integer}}
          - {in: query, name: person_id, description: admins only, schema: {type: integer}}
          responses:
            200: {description: application/pdf; headers X-Form-Number and X-Verify-URL}
            400: {description: A year out of range}
            404: {description: A person you may not see}
        """
        try:
            years = services.chosen_years([str(year)])
        except YearsInvalid as e:
            return answer(400, code="invalid", message=str(e))
        actor = current_actor()
        return files.send_pdf(services.registration(actor, people.whose(actor, request.args.get("person_id")), years[0]))

    @expose("/verification.pdf", methods=["GET"])
    @protect()
    @permission_name("get")
    def verification(self):
        """A new 多年度学分验证表 of the years, as PDF.
        ---
        get:
          parameters:
          - {in: query, name: years, required: true, description: "comma-separated, e.g. 2019,2020", schema: {type: string}}
          - {in: query, name: person_id, description: admins only, schema: {type: integer}}
          responses:
            200: {description: application/pdf; headers X-Form-Number and X-Verify-URL}
            400: {description: Years missing or out of range}
            404: {description: A person you may not see}
        """
        try:
            years = services.chosen_years([request.args.get("years", "")])
        except YearsInvalid as e:
            return answer(400, code="invalid", message=str(e))
        actor = current_actor()
        return files.send_pdf(services.verification(actor, people.whose(actor, request.args.get("person_id")), years))
