"""REST API of the notice box (/api/v1/notices/), for the web and the phone app."""
from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.jsonapi import answer
from portal.notices import services


class NoticeApi(BaseApi):
    resource_name = "notices"
    class_permission_name = "NoticeApi"
    allow_browser_login = True
    openapi_spec_tag = "Notices"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def mine(self):
        """The signed-in person's latest notices, newest first, and how many are unread.
        ---
        get:
          responses:
            200: {description: "{unread, result: [{id, kind, title, body, created_at, read}]}"}
            404: {description: The account is no person's}
        """
        person = _person()
        if person is None:
            return answer(404, code="not_found", message=_("This account has no notice box: notices go to people."))
        return answer(200, unread=services.unread(person.id), result=[
            {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body,
             "created_at": n.created_at.isoformat(timespec="seconds") + "Z", "read": n.read_at is not None}
            for n in services.box(person.id)])

    @expose("/read", methods=["POST"])
    @protect()
    @permission_name("post")
    def read(self):
        """Mark all the signed-in person's notices read.
        ---
        post:
          responses:
            200: {description: "{marked}: how many were unread"}
        """
        person = _person()
        if person is None:
            return answer(404, code="not_found", message=_("This account has no notice box: notices go to people."))
        return answer(200, marked=services.mark_read(person.id))


def _person():
    return current_actor().person
