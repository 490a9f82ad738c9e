"""REST API of 学分审核: approving or rejecting submitted records (/api/v1/credits/<id>/review,
/api/v1/reviews/), answered like the credit records API."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.credits import services as credits
from portal.credits.api import conflict, given_ids, given_integer, invalid
from portal.credits.services import RecordConflict, RecordInvalid
from portal.jsonapi import answer, json_body
from portal.review import services as review


class ReviewApi(BaseApi):
    """The unit admin's decisions on the unit's submitted records."""

    route_base = "/api/v1"
    resource_name = "reviews"
    class_permission_name = "ReviewApi"
    allow_browser_login = True
    openapi_spec_tag = "Credit review"

    @expose("/credits/<int:record_id>/review", methods=["POST"])
    @protect()
    @permission_name("post")
    def review_one(self, record_id: int):
        """Approve or reject a submitted record of one's unit (a rejection needs a comment).
        ---
        post:
          parameters:
          - {in: path, name: record_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [decision, version]
                  properties:
                    decision: {type: string, enum: [approve, reject]}
                    comment: {type: string}
                    version: {type: integer, description: the version of the record the reviewer read}
          responses:
            200: {description: "The record's status: {result: [{id, status, version, review_comment}]}"}
            400: {description: No decision or version, or a rejection without a comment}
            404: {description: Not a record of one's unit}
            409: {description: Not waiting for review (decided meanwhile), or changed since the version given}
        """
        data = json_body()
        version = given_integer(data.get("version"))
        if version is None:
            return invalid({"version": [_("Give the version of the record as you read it.")]})
        return self._review({record_id: version}, data)

    @expose("/reviews/", methods=["POST"])
    @protect()
    @permission_name("post")
    def review_many(self):
        """Approve or reject several submitted records of one's unit at once (all or none).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [ids, versions, decision]
                  properties:
                    ids: {type: array, items: {type: integer}}
                    versions: {type: object, additionalProperties: {type: integer},
                               description: the version of each record as the reviewer read it, keyed by id}
                    decision: {type: string, enum: [approve, reject]}
                    comment: {type: string}
          responses:
            200: {description: "The records' statuses: {result: [{id, status, version, review_comment}]}"}
            400: {description: No ids, versions or decision, or a rejection without a comment}
            404: {description: One of them not a record of one's unit}
            409: {description: One of them not waiting for review, or changed since the version given}
        """
        data = json_body()
        ids = given_ids(data)
        if ids is None:
            return invalid({"ids": [_("Give the ids of the records, e.g. [12, 13].")]})
        versions = data.get("versions")
        seen = {i: given_integer(versions.get(str(i))) for i in ids} if isinstance(versions, dict) else {}
        if not seen or None in seen.values():
            return invalid({"versions": [_("Give the version of each record as you read it, e.g. {\"12\": 3}.")]})
        return self._review(seen, data)

    def _review(self, seen: dict[int, int], data: Mapping[str, Any]):
        actor = current_actor()
        chosen = credits.get_many(actor, list(seen))
        decision, comment = data.get("decision"), data.get("comment")
        try:
            review.decide(actor, chosen, decision if isinstance(decision, str) else "",
                           comment if isinstance(comment, str) else "", seen)
        except RecordInvalid as e:
            return invalid(e.errors)
        except RecordConflict as e:
            return conflict(e)
        return answer(200, result=[{"id": r.id, "status": r.status, "version": r.version,
                                     "review_comment": r.review_comment} for r in chosen])
