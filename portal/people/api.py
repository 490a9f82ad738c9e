"""REST API for people (/api/v1/people/) and for the signed-in account (/api/v1/me).
Validation is the web forms' own; scoping is the same query as the pages."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.accounts import services as accounts
from portal.accounts.actor import current_actor
from portal.exports.responses import send_written
from portal.extensions import db
from portal.jsonapi import answer, json_body
from portal.people import importing, services
from portal.people.forms import CreatePersonForm, PersonForm, YearCorrectionForm, validated
from portal.people.importing import ImportUnreadable
from portal.people.masking import mask_id_number
from portal.people.present import history_rows, person_dict
from portal.people.services import PersonConflict

# Fields only the provincial admin may set.
ADMIN_ONLY = {"role", "unit_id", "out_of_province"}


def _validated(form_class, data: dict[str, Any], actor):
    units = [(u.id, u.name) for u in services.units_for(actor)] if actor.is_province_admin else []
    return validated(form_class, data, actor.is_province_admin, units)


class PeopleApi(BaseApi):
    resource_name = "people"
    class_permission_name = "PeopleApi"
    allow_browser_login = True
    openapi_spec_tag = "People"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def list(self):
        """List people the caller may see (masked).
        ---
        get:
          parameters:
          - {in: query, name: q, schema: {type: string}, description: name, staff number or ID number}
          - {in: query, name: unit_id, schema: {type: integer}}
          - {in: query, name: role, schema: {type: string, enum: [learner, unit_admin]}}
          - {in: query, name: page, schema: {type: integer}}
          responses:
            200: {description: One page of people}
        """
        actor = current_actor()
        page = services.search(
            actor, request.args.get("q", ""), request.args.get("unit_id", type=int),
            request.args.get("role"), request.args.get("page", 1, type=int),
        )
        return self.response(200, count=page.total, page=page.page, result=[
            {"id": r.id, "person_no": r.person_no, "name": r.name, "unit": r.unit_name,
             "id_number": mask_id_number(r.id_number), "department": r.department,
             "title": r.title, "title_level": r.title_level, "status": r.status,
             "self_entry": bool(r.self_entry), "role": "unit_admin" if r.unit_admin else "learner",
             "out_of_province": r.out_of_province}
            for r in page.rows
        ])

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    def create(self):
        """Create a person and their account; the answer carries the initial password once.
        ---
        post:
          responses:
            201: {description: Created}
            400: {description: Invalid fields}
        """
        actor = current_actor()
        data = json_body()
        if not actor.is_province_admin and (ADMIN_ONLY & data.keys()):
            return self.response(403, message=_("Only the provincial admin may set the unit or the role."))
        form, ok = _validated(CreatePersonForm, data, actor)
        if not ok:
            return self.response_400(message=form.errors)
        try:
            person, password = services.create(actor, form.data)
        except PersonConflict as e:
            return self.response_400(message={e.field: [str(e)]})
        if "self_entry" in data:
            services.update(actor, person, {"self_entry": bool(data["self_entry"])})
        return self.response(201, id=person.id, person=person_dict(person, unmasked=False), initial_password=password)

    @expose("/<int:person_id>", methods=["GET"])
    @protect()
    @permission_name("get")
    def detail(self, person_id: int):
        """One person, ID and phone numbers masked (``POST …/reveal/<field>`` for one in full).
        ---
        get:
          parameters:
          - {in: path, name: person_id, required: true, schema: {type: integer}}
          responses:
            200: {description: The person}
            404: {description: Not found or not yours}
        """
        actor = current_actor()
        person = services.get(actor, person_id)
        shown = person_dict(person, unmasked=False)
        return self.response(200, result={**shown, "history": history_rows(person)})

    @expose("/<int:person_id>/reveal/<field>", methods=["POST"])
    @protect()
    @permission_name("reveal")
    def reveal(self, person_id: int, field: str):
        """One masked value in full (``id_number``, ``mobile`` or ``phone``), written to the audit trail.
        ---
        post:
          parameters:
          - {in: path, name: person_id, required: true, schema: {type: integer}}
          - {in: path, name: field, required: true, schema: {type: string, enum: [id_number, mobile, phone]}}
          responses:
            200: {description: The value}
            404: {description: Not found, not yours, or no such field}
            429: {description: Too many reveals in the last hour}
        """
        try:
            value = services.reveal(current_actor(), person_id, field)
        except services.TooManyReveals:
            return self.response(429, message=_("You revealed too many values in the last hour; try again later."))
        return self.response(200, field=field, value=value)

    @expose("/<int:person_id>", methods=["PUT"])
    @protect()
    @permission_name("put")
    def update(self, person_id: int):
        """Change the fields given; ``role`` and ``unit_id`` only for the provincial admin.
        ---
        put:
          parameters:
          - {in: path, name: person_id, required: true, schema: {type: integer}}
          responses:
            200: {description: Changed}
            400: {description: Invalid fields}
            403: {description: Field not yours to set, or an account beyond what the caller may grant}
            404: {description: Not found or not yours}
        """
        actor = current_actor()
        person = services.managed(actor, person_id)
        data = json_body()
        if not actor.is_province_admin and (ADMIN_ONLY & data.keys()):
            return self.response(403, message=_("Only the provincial admin may set the unit or the role."))
        current = {f: getattr(person, f) for f in services.STAFF_FIELDS}
        current.update(unit_id=person.unit_id, role=services.role_of(person), out_of_province=person.out_of_province)
        form, ok = _validated(PersonForm, {**current, **{k: v for k, v in data.items() if k != "self_entry"}}, actor)
        if not ok:
            return self.response_400(message=form.errors)
        changes = {k: v for k, v in form.data.items() if k in data}
        if "self_entry" in data:
            changes["self_entry"] = bool(data["self_entry"])
        try:
            services.update(actor, person, changes)
        except PersonConflict as e:
            return self.response_400(message={e.field: [str(e)]})
        return self.response(200, result=person_dict(person, unmasked=False))

    @expose("/<int:person_id>/years/<int:year>", methods=["PUT"])
    @protect()
    @permission_name("put")
    def correct_year(self, person_id: int, year: int):
        """The provincial admin corrects the person's standing in a past year (unit, title, title
        level, status), with a reason kept beside the history row.
        ---
        put:
          parameters:
          - {in: path, name: person_id, required: true, schema: {type: integer}}
          - {in: path, name: year, required: true, schema: {type: integer}}
          responses:
            200: {description: The corrected history}
            400: {description: Invalid fields, or not a past year}
            403: {description: Not the provincial admin}
            404: {description: Not found}
        """
        actor = current_actor()
        if not actor.is_province_admin:
            return self.response(403, message=_("Only the provincial admin may correct a year."))
        person = services.get(actor, person_id)
        data = {k: "" if v is None else str(v) for k, v in json_body().items()}
        form = YearCorrectionForm(formdata=MultiDict({**data, "year": str(year)}), meta={"csrf": False})
        form.unit_id.choices = [(u.id, u.name) for u in services.units_for(actor)]
        if not form.validate():
            return self.response_400(message=form.errors)
        try:
            services.correct_year(actor, person, year, form.data)
        except services.YearCorrection as e:
            return self.response_400(message={"year": [str(e)]})
        return self.response(200, result={"history": history_rows(person)})

    @expose("/<int:person_id>/reset-password", methods=["POST"])
    @protect()
    @permission_name("put")
    def reset_password(self, person_id: int):
        """Give the person a new random initial password (shown once).
        ---
        post:
          parameters:
          - {in: path, name: person_id, required: true, schema: {type: integer}}
          responses:
            200: {description: The new initial password}
            400: {description: An out-of-province learner, who has no password}
            403: {description: An account beyond what the caller may grant}
            404: {description: Not found or not yours}
        """
        actor = current_actor()
        person = services.managed(actor, person_id)
        if person.out_of_province:
            return self.response_400(message=_("Out-of-province learners have no password: they sign in with an SMS code."))
        return self.response(200, initial_password=services.reset_password(actor, person))


    @expose("/import-template.xlsx", methods=["GET"])
    @protect()
    @permission_name("get")
    def import_template(self):
        """The staff import template (the provincial admin's has a unit code column).
        ---
        get:
          responses:
            200: {description: An .xlsx workbook}
        """
        data = importing.template(current_actor())
        return send_written(lambda out: out.write(data), importing.MEDIA_TYPE, "staff-import-template.xlsx")

    @expose("/import", methods=["POST"])
    @protect()
    @permission_name("post")
    def import_staff(self):
        """Import staff from a filled-in template: all rows or none.
        ---
        post:
          parameters:
          - {in: query, name: dry_run, schema: {type: integer, enum: [0, 1]}, description: check only}
          requestBody:
            content:
              multipart/form-data:
                schema: {type: object, properties: {file: {type: string, format: binary}}}
          responses:
            200: {description: "dry run: {created: 0, checked: N, errors: []}"}
            201: {description: "{created: N, errors: [], accounts: [{row, person_id, name, person_no, username,
              initial_password}]}"}
            400: {description: No file, or not a workbook of the template}
            422: {description: "{created: 0, errors: [{row, column, message}]}: nothing was written"}
        """
        actor, upload = current_actor(), request.files.get("file")
        if upload is None:
            return answer(400, code="file_missing", message=_("Send the filled-in template as the multipart field file."))
        try:
            checked = importing.check(actor, importing.read(upload.stream, actor))
        except ImportUnreadable as e:
            return answer(400, code="unreadable", message=str(e))
        if checked.problems:
            return answer(422, created=0, errors=[asdict(p) for p in checked.problems])
        if request.args.get("dry_run") in ("1", "true"):
            return answer(200, created=0, checked=len(checked.rows), errors=[])
        accounts = importing.create(actor, checked)
        db.session.commit()
        return answer(201, created=len(accounts), errors=[], accounts=accounts)


class MeApi(BaseApi):
    resource_name = "me"
    class_permission_name = "MeApi"
    allow_browser_login = True
    openapi_spec_tag = "Me"

    @expose("", methods=["GET"])
    @protect()
    @permission_name("get")
    def me(self):
        """The signed-in account and, for a person, the whole profile (unmasked: it is theirs).
        ---
        get:
          responses:
            200: {description: The account}
        """
        actor = current_actor()
        result: dict[str, Any] = {"username": actor.user.username, "role": actor.api_role}
        if actor.person is not None:
            result.update(person=person_dict(actor.person, unmasked=True), history=history_rows(actor.person))
        return self.response(200, result=result)

    @expose("/password", methods=["POST"])
    @protect()
    @permission_name("post")
    def change_password(self):
        """Change the password: ``{"old_password", "new_password"}``. Every session of the account
        ends with it, this token's too: sign in again with the new password.
        ---
        post:
          responses:
            200: {description: Changed; the tokens of the account no longer work}
            400: {description: Refused, with the reasons}
        """
        data = json_body()
        actor = current_actor()
        problems = accounts.change_password(
            g.user, str(data.get("old_password") or ""), str(data.get("new_password") or ""),
            actor.person.id_number if actor.person else "",
        )
        if problems:
            return self.response_400(message={"new_password": problems})
        return self.response(200, message=_("Your password was changed."))
