"""/api/v1/rule-sets/: the compliance standards for tools. Everyone signed in reads them; the
provincial admin creates and replaces them, validated by the editor's own form."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.accounts.actor import current_actor
from portal.compliance.services import context
from portal.extensions import db
from portal.jsonapi import json_body
from portal.models import RuleSet
from portal.standards import services
from portal.standards.forms import RuleSetForm

SCALARS = ("name", "description", "valid_from", "valid_to", "priority", "min_credits", "min_hours", "hourless_hours_per_credit",
           "class_1_min", "class_1_max", "class_2_min", "interchange_percent", "effective_from")
LISTS = ("title_levels", "unit_levels", "unit_tiers", "unit_types", "deeming_categories")
ROWS = {"caps": ("category_id", "cap"), "multi_year": ("years", "min_credits", "nodes", "unit_levels")}


def _pairs(prefix: str, data: Mapping[str, Any], names) -> list[tuple[str, str]]:
    pairs = []
    for name in names:
        value = data.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((prefix + name, str(item)))
    return pairs


def _formdata(data: Mapping[str, Any]) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON body as the editor's form data (rows as caps-0-cap ...), and what is wrong with its shape."""
    problems = {name: [_("Give a list.")] for name in (*LISTS, *ROWS) if not isinstance(data.get(name, []), list)}
    pairs = _pairs("", data, SCALARS + LISTS)
    for name, fields in ROWS.items():
        rows = data.get(name) if isinstance(data.get(name), list) else []
        if not all(isinstance(row, dict) for row in rows):
            problems[name] = [_("Give a list of objects.")]
        for index, row in enumerate(r for r in rows if isinstance(r, dict)):
            pairs += _pairs(f"{name}-{index}-", row, fields)
    if data.get("enabled", True):
        pairs.append(("enabled", "y"))
    return MultiDict(pairs), problems


def _flat(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Form errors by field, rows named like caps.0.cap."""
    flat: dict[str, list[str]] = {}
    for name, messages in errors.items():
        for index, message in enumerate(messages):
            if isinstance(message, dict):
                flat.update(_flat(message, f"{prefix}{name}.{index}."))
            else:
                flat.setdefault(prefix + name, []).append(str(message))
    return flat


class RuleSetApi(BaseApi):
    resource_name = "rule-sets"
    class_permission_name = "RuleSetApi"
    allow_browser_login = True
    openapi_spec_tag = "Compliance standards"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def list(self):
        """The rule sets, newest first (the provincial admin also sees disabled ones), with the plain-language description_lines.
        ---
        get:
          responses:
            200: {description: "The rule sets; credits and hours as decimal strings"}
        """
        shown = [r for r in services.everything() if r.enabled or current_actor().is_province_admin]
        ctx = context()
        return self.response(200, count=len(shown), result=[services.as_json(r, ctx) for r in shown])

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    def create(self):
        """Create a rule set (provincial admin).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object, description: "The fields of a rule set as GET lists them; enabled defaults to true"}
          responses:
            201: {description: "The rule set, and warnings about rule sets competing with it"}
            400: {description: "Invalid fields: {message: {field: [messages]}}, rows named like caps.0.cap"}
        """
        return self._save(RuleSet(), 201)

    @expose("/<int:rule_set_id>", methods=["PUT"])
    @protect()
    @permission_name("put")
    def replace(self, rule_set_id: int):
        """Replace a rule set (provincial admin): fields left out take their defaults. Changed rules become a new
        version effective from ``effective_from`` (an ISO date; default: the first day of the next credit year).
        ---
        put:
          parameters:
          - {in: path, name: rule_set_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "The rule set, and warnings about rule sets competing with it"}
            400: {description: "Invalid fields: {message: {field: [messages]}}"}
            404: {description: Not found}
        """
        rule_set = db.session.get(RuleSet, rule_set_id)
        if rule_set is None:
            return self.response_404()
        return self._save(rule_set, 200)

    def _save(self, rule_set: RuleSet, status: int):
        formdata, problems = _formdata(json_body())
        form = RuleSetForm(formdata=formdata, meta={"csrf": False})
        form.rule_set_id = rule_set.id
        if not form.validate() or problems:
            return self.response_400(message={**_flat(form.errors), **problems})
        values = form.values()
        warnings = services.competing(RuleSet(id=rule_set.id, **values))
        services.save(rule_set, values, current_actor(), form.effective_from.data)
        return self.response(status, result=services.as_json(rule_set, context()), warnings=warnings)
