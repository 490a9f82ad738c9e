"""REST API of credit records: entering them (/api/v1/credits/), their evidence, submitting
them, reading one with its audit trail (reviewing them is portal/review/api.py). Validation is
the web forms' own, the workflow and the scoping are the services' (portal/credits/services.py,
attachments.py): this module only translates JSON."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

from flask import abort, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.accounts.actor import Actor, current_actor
from portal.categories import services as categories
from portal.contracts import Common, Entry, credits_text, hours_text, round_credits, round_hours
from portal.credits import attachments, audit, services
from portal.credits import query as credit_query
from portal.credits.forms import entry_fields
from portal.credits.query import QueryInvalid
from portal.credits.services import PossibleDuplicate, RecordConflict, RecordInvalid, status_label
from portal.dictionaries import services as dictionaries
from portal.evidence import EvidenceRejected, StorageFull
from portal.extensions import db
from portal.idempotency import idempotent_api
from portal.jsonapi import answer, json_body
from portal.models import CreditCategory, CreditRecord, EvidenceFile
from portal.people import services as people

MB = 1024 * 1024
# A multipart body carries a little more than the file itself: the request may exceed the
# type's file limit by this much before it is refused unread.
UPLOAD_OVERHEAD = MB
# The common fields of a record as the API names them (the type's own fields sit beside them).
COMMON = tuple(f.name for f in dataclass_fields(Common))
# Fields whose value may be a dictionary entry's code or its Chinese name.
DICTIONARY_FIELDS = (("credit_level", "credit_levels"), ("hosting_method", "hosting_methods"),
                     ("discipline", "disciplines"))


# --- answers ---------------------------------------------------------------------------------------

def invalid(errors: Mapping[str, list[str]]):
    """400 with the messages per field, as the people API answers (``wizard_rule`` is
    ``wizard_choice`` here)."""
    errors = {("wizard_choice" if k == "wizard_rule" else k): [str(m) for m in v] for k, v in errors.items()}
    return answer(400, message=errors)


def conflict(error: RecordConflict):
    return answer(409, code="conflict", message=str(error))


def duplicate(error: PossibleDuplicate):
    """409 naming the record the entry seems to repeat; sent again with confirm_duplicate: true, it is saved."""
    db.session.rollback()
    return answer(409, code="possible_duplicate", duplicate_of=error.record_id, message=str(error))


def _self_entry_refusal(actor: Actor, record_ids: list[int] = ()):
    """403 for someone who may not enter credits (the unit has not granted self-entry); else None.
    Records the actor entered on their person's behalf (代录) need no self-entry of theirs."""
    if actor.person is not None and actor.can_self_enter:
        return None
    if record_ids and db.session.scalar(select(func.count(CreditRecord.id)).where(
            CreditRecord.id.in_(record_ids), CreditRecord.entered_by_id == actor.user.id)) == len(set(record_ids)):
        return None
    return answer(403, code="self_entry_required", message=_("Credit self-entry needs your unit to grant it"))



def given_integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def given_ids(data: Mapping[str, Any]) -> list[int] | None:
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or any(given_integer(i) is None for i in ids):
        return None
    return list(dict.fromkeys(ids))


# --- records as JSON -------------------------------------------------------------------------------

def record_dict(record: CreditRecord) -> dict[str, Any]:
    common = {name: getattr(record, name) for name in COMMON}
    common["activity_date"] = record.activity_date.isoformat() if record.activity_date else None
    return {
        "id": record.id, "status": record.status, "status_label": status_label(record.status),
        "version": record.version,
        "credits": str(round_credits(record.credits)), "hours": str(round_hours(record.hours)),
        "class": record.credit_class, "deems_compliant": bool(record.deems_compliant), "score_note": record.score_note,
        "category": {"id": record.category_id, "name": record.category.name, "type": record.type_slug},
        "wizard_choice": record.wizard_rule or None,
        "fields": {**common, **(record.fields or {})},
        "review_comment": record.review_comment or "",
    }


def evidence_dict(file: EvidenceFile) -> dict[str, Any]:
    return {"id": file.id, "name": file.original_name, "media_type": file.media_type, "size": file.size,
            "url": f"/credits/evidence/{file.id}"}


def detail_dict(record: CreditRecord) -> dict[str, Any]:
    trail, users = audit.trail(record)
    return {
        **record_dict(record),
        "submitted_at": record.submitted_at.isoformat() if record.submitted_at else None,
        "reviewed_at": record.reviewed_at.isoformat() if record.reviewed_at else None,
        "evidence": [evidence_dict(f) for f in record.evidence],
        "audit": [{
            "who": {"id": a.user_id, "username": users[a.user_id].username if a.user_id in users else None,
                    "name": users[a.user_id].get_full_name().strip() if a.user_id in users else None},
            "role": a.role, "action": a.action, "at": a.at.isoformat() if a.at else None,
            "before": a.before, "after": a.after,
        } for a in trail],
    }


# --- reading an entry ------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "y"
    return str(value)


def _resolved(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dictionary values given by their Chinese name, as codes (a value that names nothing is
    left for the form to refuse)."""
    values = dict(values)
    for name, dictionary in DICTIONARY_FIELDS:
        if isinstance(values.get(name), str) and (entry := dictionaries.resolve(dictionary, values[name])):
            values[name] = entry.code
    sub = values.get("sub_discipline")
    if isinstance(sub, str) and sub.strip():
        # A sub-discipline's name may also be a discipline's (全科医学, 其它): look under the chosen one first.
        children = next((d["children"] for d in dictionaries.tree("disciplines") if d["code"] == values.get("discipline")), [])
        child = next((c for c in children if sub.strip() in (c["code"], c["name"])), None)
        entry = dictionaries.resolve("disciplines", sub) if child is None else None
        values["sub_discipline"] = child["code"] if child else entry.code if entry else sub
    return values


def _read_entry(category: CreditCategory, values: Mapping[str, Any], rule: str):
    """Read the common fields of ``values`` with the web form and split off the type's own.
    Returns (common, raw type fields, what is wrong with the common fields); a category
    whose type offers no free form needs a wizard rule."""
    credit_type = categories.credit_type(category)
    values = _resolved(values)
    by_wizard = bool(rule) or (credit_type is not None and Entry.FORM not in credit_type.entry)
    form = entry_fields(by_wizard)(formdata=MultiDict({k: _text(v) for k, v in values.items()}), meta={"csrf": False})
    form.validate()
    common = {name: f.data for name, f in form._fields.items() if name != "csrf_token"}
    type_names = [f.name for f in credit_type.Fields()] if credit_type else []
    raw = {name: values[name] for name in type_names if name in values}
    errors = dict(form.errors)
    if by_wizard and not rule:
        errors["wizard_choice"] = [_("Choose a rule of this category.")]
    return common, raw, errors


def _stored(record: CreditRecord) -> dict[str, Any]:
    """A record's common and own fields as stored, in the shape of a request's ``fields``."""
    return {**{name: getattr(record, name) for name in COMMON}, **(record.fields or {})}


def _given(data: Mapping[str, Any], rule: str) -> tuple[dict[str, Any], str, dict[str, list[str]]]:
    """The ``fields`` object and the ``wizard_choice`` of a request (``rule`` when absent), and
    what is wrong with their shape."""
    fields, rule = data.get("fields", {}), data.get("wizard_choice", rule) or ""
    problems = {}
    if not isinstance(fields, dict):
        fields, problems["fields"] = {}, [_("Give the fields as an object.")]
    if not isinstance(rule, str):
        rule, problems["wizard_choice"] = "", [_("Choose a rule of this category.")]
    return fields, rule.strip(), problems


# --- the API ---------------------------------------------------------------------------------------

class CreditApi(BaseApi):
    """A person's own credit records. Entering them needs the self-entry permission, like the pages."""

    resource_name = "credits"
    class_permission_name = "CreditApi"
    allow_browser_login = True
    openapi_spec_tag = "Credit records"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def query(self):
        """学分情况查询: a person's records with totals over all that match.
        ---
        get:
          parameters:
          - {in: query, name: from, description: "empty: 1 January of the end date's year", schema: {type: string, format: date}}
          - {in: query, name: to, description: "empty: 31 December of this year", schema: {type: string, format: date}}
          - {in: query, name: status, schema: {type: string, enum: [all, submitted, approved, rejected, draft]}}
          - {in: query, name: person_id, description: "admins: a person they may see", schema: {type: integer}}
          responses:
            200: {description: "{count, records: [...], totals: {credits, hours, class_1, class_2, other}}"}
            400: {description: "A filter cannot be read: {message}"}
            404: {description: Not a person you may see}
        """
        actor = current_actor()
        try:
            query = credit_query.parse(actor, request.args)
        except QueryInvalid as error:
            return answer(400, message=str(error))
        sums = credit_query.totals(actor, query)
        found = [{**row, "date": row["date"].isoformat(), "credits": credits_text(row["credits"]),
                  "hours": hours_text(row["hours"]),
                  "status": row["status_code"], "status_label": row["status"]}
                 for row in credit_query.rows(actor, query)]
        for row in found:
            del row["status_code"]
        return answer(200, count=sums.count, records=found, totals=sums.as_json())

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    @idempotent_api
    def create(self):
        """Enter a record as a draft, scored now.
        ---
        post:
          description: >-
            Sent with an ``Idempotency-Key`` header (a random string of the client's, at most 200
            characters), a repeat of the same request gets the first answer again (with
            ``Idempotent-Replayed: true``) and makes no second record.
            ``fields`` holds the common fields (activity_name, activity_number, credit_level,
            hosting_method, discipline, sub_discipline, activity_date YYYY-MM-DD, issuing_unit_id,
            remarks) and the category's own (see /api/v1/credit-categories/; the free form's are
            credits and hours). Dictionary values may be given by code or by Chinese name. A
            category whose ``entry`` (see /api/v1/credit-categories/) lacks form needs
            ``wizard_choice``, one of its wizard rules.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [category_id, fields]
                  properties:
                    category_id: {type: integer}
                    wizard_choice: {type: string, example: "省级:2"}
                    confirm_duplicate: {type: boolean, description: "save although it matches a record of one's own"}
                    person_id: {type: integer, description: "代录, admins only: enter the record on behalf of this person
                                (a unit admin: a staff member of the unit; the provincial admin: anyone). It is marked
                                as entered by the admin, who may not approve it; another unit's person is a 404"}
                    fields: {type: object, example: {activity_name: 心血管新进展学习班, activity_date: "2025-03-18",
                             credit_level: 国家级继续医学教育项目, hosting_method: 学习班, discipline: 临床内科学,
                             sub_discipline: 心血管病学, issuing_unit_id: 1, credits: "3", hours: "9"}}
          responses:
            201: {description: "The draft: id, status, version, credits (\\"7.00\\"), hours (\\"9.0\\"), class, fields ..."}
            409: {description: "A request with the same Idempotency-Key is still running: {code: idempotency_key_in_use}"}
            422: {description: "The Idempotency-Key came with another request: {code: idempotency_key_reused}"}
            400: {description: "Invalid fields: {message: {field: [messages]}}"}
            403: {description: "No self-entry permission: {code: self_entry_required, message}"}
            404: {description: "person_id names nobody the admin may enter credits for"}
            409: {description: "Same category, date and name or project number as a record of one's own:
                  {code: possible_duplicate, duplicate_of: id, message}; nothing saved"}
        """
        actor = current_actor()
        data = json_body()
        person = None
        if data.get("person_id") is not None:
            # 代录: an admin enters the record on a person's behalf (another unit's person is a 404).
            person = people.whose(actor, given_integer(data.get("person_id")))
            if not services.may_enter_for(actor, person):
                abort(404)
        elif (refusal := _self_entry_refusal(actor)) is not None:
            return refusal
        category = next((c for c in categories.enabled() if c.id == given_integer(data.get("category_id"))), None)
        if category is None:
            return invalid({"category_id": [_("Choose the credit category")]})
        fields, rule, problems = _given(data, "")
        if problems:
            return invalid(problems)
        common, raw, errors = _read_entry(category, fields, rule)
        try:
            record = services.create(actor, category, common, raw, rule, common_errors=errors,
                                     duplicate_confirmed=data.get("confirm_duplicate") is True, person=person)
        except RecordInvalid as e:
            return invalid(e.errors)
        except PossibleDuplicate as e:
            return duplicate(e)
        db.session.commit()
        return answer(201, id=record.id, result=record_dict(record))

    @expose("/<int:record_id>", methods=["GET"])
    @protect()
    @permission_name("get")
    def detail(self, record_id: int):
        """One record with its evidence and audit trail: a learner's own, a unit admin's unit's,
        any for the province.
        ---
        get:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "The record with status, review_comment, evidence and audit
                  (who, role, action, at, before, after)"}
            404: {description: Not found or not yours to see}
        """
        record = services.get(current_actor(), record_id)
        return answer(200, result=detail_dict(record))

    @expose("/<int:record_id>", methods=["PATCH"])
    @protect()
    @permission_name("patch")
    def update(self, record_id: int):
        """Change a draft or a rejected record of one's own: the fields given replace the
        record's, then the whole is validated and scored again.
        ---
        patch:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [version]
                  properties:
                    version: {type: integer, description: the version read with the record}
                    wizard_choice: {type: string}
                    fields: {type: object}
                    confirm_duplicate: {type: boolean, description: "save although it matches a record of one's own"}
          responses:
            200: {description: The changed record}
            400: {description: "Invalid fields: {message: {field: [messages]}}"}
            403: {description: No self-entry permission}
            404: {description: Not found or not yours}
            409: {description: "Changed meanwhile (stale version), or submitted / approved: {code: conflict, message};
                  or a possible duplicate: {code: possible_duplicate, duplicate_of: id, message}"}
        """
        actor = current_actor()
        if (refusal := _self_entry_refusal(actor, [record_id])) is not None:
            return refusal
        record = services.get_own(actor, record_id)
        data = json_body()
        version = given_integer(data.get("version"))
        if version is None:
            return invalid({"version": [_("Give the version of the record as you read it.")]})
        try:
            services.expect(record, version, services.EDITABLE)  # a stale or locked record is a 409 before any field check
        except RecordConflict as e:
            return conflict(e)
        fields, rule, problems = _given(data, record.wizard_rule)
        if problems:
            return invalid(problems)
        stored = _stored(record)
        if rule != record.wizard_rule:  # what the old choice fixed goes with it
            stored = {k: v for k, v in stored.items() if k not in services.rule_fields(record.category, record.wizard_rule)}
        common, raw, errors = _read_entry(record.category, {**stored, **fields}, rule)
        try:
            services.update(actor, record, version, record.category, common, raw, rule, common_errors=errors,
                            duplicate_confirmed=data.get("confirm_duplicate") is True)
        except RecordInvalid as e:
            return invalid(e.errors)
        except RecordConflict as e:
            return conflict(e)
        except PossibleDuplicate as e:
            return duplicate(e)
        return answer(200, result=record_dict(record))

    @expose("/<int:record_id>/evidence", methods=["POST"])
    @protect()
    @permission_name("post")
    def add_evidence(self, record_id: int):
        """Add an evidence file (JPG, PNG or PDF, recognised by its content) to a draft or a rejected record of one's own.
        ---
        post:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            201: {description: "The stored file: id, name, media_type, size, url, and record_version (evidence
                  is content: adding it moves the record's version on)"}
            400: {description: "Refused, nothing stored (not JPG/PNG/PDF by content, scripts in a PDF,
                  too large, too many files): {message: {file: [message]}}"}
            403: {description: No self-entry permission}
            404: {description: Not found or not yours}
            409: {description: The record is submitted or approved}
            507: {description: "The evidence disk is full, nothing stored: {code: insufficient_storage, message}"}
        """
        actor = current_actor()
        if (refusal := _self_entry_refusal(actor, [record_id])) is not None:
            return refusal
        record = services.get_own(actor, record_id)
        credit_type = categories.credit_type(record.category)
        if credit_type is None:
            return invalid({"category_id": [_("This category's credit type is not installed.")]})
        rules = credit_type.evidence
        # Refuse an oversized body before reading it; a body of unknown length stops at the same size (413).
        limit = rules.max_bytes + UPLOAD_OVERHEAD
        if request.content_length is not None and request.content_length > limit:
            return invalid({"file": [_("The file is larger than %(mb)d MB.", mb=rules.max_bytes // MB)]})
        request.max_content_length = limit
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return invalid({"file": [_("Send the file as the multipart field \"file\".")]})
        try:
            file = attachments.add(actor, rules, upload.filename, upload.read(), record, len(record.evidence))
            db.session.commit()
        except EvidenceRejected as e:
            db.session.rollback()
            return invalid({"file": [str(e)]})
        except RecordConflict as e:
            db.session.rollback()
            return conflict(e)
        except StorageFull as e:
            db.session.rollback()
            return answer(507, code="insufficient_storage", message=e.message())
        return answer(201, id=file.id, result={**evidence_dict(file), "record_version": record.version})

    @expose("/<int:record_id>/submit", methods=["POST"])
    @protect()
    @permission_name("post")
    def submit_one(self, record_id: int):
        """Submit a draft or a rejected record of one's own for review; submitting it again changes nothing.
        ---
        post:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    version: {type: integer, description: "optional: submit only this version (else 409)"}
          responses:
            200: {description: "The records' statuses: {result: [{id, status, version}]}"}
            400: {description: Not ready (no evidence)}
            403: {description: No self-entry permission}
            404: {description: Not found or not yours}
            409: {description: Approved, or changed since the version given}
        """
        data = json_body()
        version = data.get("version")
        if version is not None and given_integer(version) is None:
            return invalid({"version": [_("Give the version of the record as you read it.")]})
        return self._submit([record_id], version)

    @expose("/<int:record_id>/withdraw", methods=["POST"])
    @protect()
    @permission_name("post")
    def withdraw(self, record_id: int):
        """撤回: take back a submitted record of one's own before review. It leaves lists and totals;
        its audit trail stays.
        ---
        post:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object, required: [version], properties: {version: {type: integer}}}
          responses:
            200: {description: "{result: {id, status: withdrawn, version}}"}
            404: {description: Not found or not yours}
            409: {description: Reviewed meanwhile, not submitted, or changed since the version given}
        """
        return self._take_back(record_id, services.withdraw)

    @expose("/<int:record_id>", methods=["DELETE"])
    @protect()
    @permission_name("delete")
    def delete(self, record_id: int):
        """Delete a draft or a rejected record of one's own. It leaves lists and totals; its audit trail stays.
        ---
        delete:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          - {in: query, name: version, required: true, schema: {type: integer}}
          responses:
            200: {description: "{result: {id, status: deleted, version}}"}
            404: {description: Not found or not yours}
            409: {description: Submitted or approved, or changed since the version given}
        """
        return self._take_back(record_id, services.delete)

    def _take_back(self, record_id: int, take_back):
        actor = current_actor()
        record = services.get_own(actor, record_id)
        version = (request.args.get("version", type=int) if request.method == "DELETE"
                   else given_integer(json_body().get("version")))
        if version is None:
            return invalid({"version": [_("Give the version of the record as you read it.")]})
        try:
            take_back(actor, record, version)
        except RecordConflict as e:
            return conflict(e)
        return answer(200, result={"id": record.id, "status": record.status, "version": record.version})

    @expose("/submit", methods=["POST"])
    @protect()
    @permission_name("post")
    def submit_many(self):
        """Submit several records of one's own at once (all or none).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [ids]
                  properties:
                    ids: {type: array, items: {type: integer}}
          responses:
            200: {description: "The records' statuses: {result: [{id, status, version}]}"}
            400: {description: No ids, or a record not ready (no evidence)}
            403: {description: No self-entry permission}
            404: {description: One of them not found or not yours}
            409: {description: One of them approved}
        """
        ids = given_ids(json_body())
        if ids is None:
            return invalid({"ids": [_("Give the ids of the records, e.g. [12, 13].")]})
        return self._submit(ids, None)

    def _submit(self, ids: list[int], version: int | None):
        actor = current_actor()
        if (refusal := _self_entry_refusal(actor, ids)) is not None:
            return refusal
        chosen = [services.get_own(actor, i) for i in ids]
        try:
            if version is not None and chosen[0].status != "submitted":
                services.expect(chosen[0], version, services.EDITABLE)
            try:
                services.submit(actor, chosen)
            except RecordConflict:
                if version is not None:
                    raise
                # Another request changed them meanwhile (often the same submission, clicked twice):
                # read them again and submit what is still to submit.
                db.session.rollback()
                chosen = [services.get_own(actor, i) for i in ids]
                services.submit(actor, chosen)
        except RecordInvalid as e:
            return invalid(e.errors)
        except RecordConflict as e:
            return conflict(e)
        return answer(200, result=[{"id": r.id, "status": r.status, "version": r.version} for r in chosen])
