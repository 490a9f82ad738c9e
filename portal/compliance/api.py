"""REST API of compliance: a person's year (/api/v1/compliance/<year>) and a unit's
(/api/v1/units/<id>/compliance/<year>), with the same figures as the pages."""
from __future__ import annotations

import datetime as dt

from flask import abort, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.compliance import progress, rules, services, year_records
from portal.extensions import db
from portal.jsonapi import answer
from portal.models import Unit
from portal.people import services as people


class ComplianceApi(BaseApi):
    route_base = "/api/v1"
    resource_name = "compliance"
    class_permission_name = "ComplianceApi"
    allow_browser_login = True
    openapi_spec_tag = "Compliance"

    @expose("/compliance/progress", methods=["GET"])
    @protect()
    @permission_name("get")
    def progress(self):
        """Where the person stands this year (the home page's figures): approved credits and hours
        against each requirement of the rule set that applies, what waits for review, what is
        still missing in words, and the last day of the year.
        ---
        get:
          parameters:
          - {in: query, name: person_id, description: "admins: a person they may see", schema: {type: integer}}
          responses:
            200: {description: "{person_id, year, compliant, result, rule_set, deadline, days_left, requirements:
                  [{requirement, label, approved, required, pending, met}], missing: [words], deemed_by,
                  pending: {records, credits, hours}, not_submitted: {records, credits, hours}}"}
            404: {description: Not a person you may see}
        """
        person = people.whose(current_actor(), request.args.get("person_id"))
        today = dt.date.today()
        return answer(200, person_id=person.id, **progress.as_json(progress.of(person, today.year, today)))

    @expose("/compliance/<int:year>", methods=["GET"])
    @protect()
    @permission_name("get")
    def person_year(self, year: int):
        """达标情况查询: whether a person's year is compliant, what is missing, and 各类学分汇总.
        ---
        get:
          parameters:
          - {in: path, name: year, required: true, schema: {type: integer}}
          - {in: query, name: person_id, description: "admins: a person they may see", schema: {type: integer}}
          responses:
            200: {description: "{year, compliant, rule_set, totals, caps, shortfalls: [{requirement, missing,
                  message}], deemed_by, summary: [{name, credits, hours, children}], records: [the counted
                  records with the columns of the manual's figure 8]}"}
            404: {description: Not a person you may see}
        """
        person = people.whose(current_actor(), request.args.get("person_id"))
        verdict = services.person_year(person, year)
        tree = services.summary_tree(verdict, services.context())
        dictionaries = year_records.record_dictionaries()
        records = [year_records.record_json(year_records.record_row(person, r, dictionaries))
                   for r in services.counted_records(person.id, year)]
        return answer(200, person_id=person.id, **rules.as_json(verdict), summary=[services.tree_json(tree)],
                      records=records)

    @expose("/units/<int:unit_id>/compliance/<int:year>", methods=["GET"])
    @protect()
    @permission_name("get")
    def unit_year(self, unit_id: int, year: int):
        """A unit's compliance for a year: the rate and every active person's result.
        ---
        get:
          parameters:
          - {in: path, name: unit_id, required: true, schema: {type: integer}}
          - {in: path, name: year, required: true, schema: {type: integer}}
          responses:
            200: {description: "{unit, year, staff, compliant, rate (percent, one decimal), people: [...]}"}
            404: {description: Not your unit}
        """
        actor = current_actor()
        allowed = actor.is_province_admin or (actor.is_unit_admin and actor.unit_id == unit_id)
        unit = db.session.get(Unit, unit_id) if allowed else None
        if unit is None:
            abort(404)
        answers = services.results(year, [unit_id])
        rate = services.rate(answers)
        return answer(
            200, unit={"id": unit.id, "name": unit.name}, year=year, staff=len(answers),
            compliant=sum(1 for a in answers if a.verdict.compliant), rate=f"{rate:.1f}" if rate is not None else None,
            people=[{"person_id": a.person_id, "person_no": a.person_no, "name": a.name, "department": a.department,
                     "title_level": a.title_level, **rules.as_json(a.verdict)} for a in answers],
        )
