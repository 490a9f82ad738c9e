"""REST API of CME activities and attendance (/api/v1, JWT or the signed-in browser with CSRF):
organisers create activities, fetch the rotating code, scan 我的二维码 and close an activity;
learners check in and out with a scanned code and read their attendance and personal code."""
from __future__ import annotations

import base64
import binascii
import io
from typing import Any

import segno
from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.activities import codes, personal_codes, services
from portal.activities.services import ActivityInvalid, AttendanceRefused, Position
from portal.compliance import stats
from portal.contracts import credits_text, hours_text
from portal.faces import services as faces
from portal.idempotency import idempotent_api
from portal.jsonapi import answer, json_body
from portal.models import Activity, ActivitySession, Attendance
from portal.models.activities import CHECK_IN, CHECK_OUT


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as a standalone SVG document (with its namespace, sized by its
    viewBox), which a page parses with DOMParser and scales to fit."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="svg", xmldecl=False, nl=False, omitsize=True, border=2, light="#fff")
    return buffer.getvalue().decode()


def _photo(text: Any) -> bytes | None:
    """The check-in photo sent as base64; None when there is none or it is not base64 (then the
    check-in is flagged as without a photo, like one that sent none)."""
    try:
        return base64.b64decode(text, validate=True) if isinstance(text, str) and text else None
    except binascii.Error:
        return None


def _time(value) -> str:
    return services.local(value).isoformat()


def session_dict(session: ActivitySession) -> dict[str, Any]:
    return {"id": session.id, "title": session.title, "teacher": session.teacher, "starts_at": _time(session.starts_at),
            "ends_at": _time(session.ends_at), "venue": session.venue, "lat": session.lat, "lon": session.lon,
            "radius_m": session.radius_m, "check_out": session.check_out,
            **{name: getattr(session, name) for name in services.WINDOW_MINUTES},
            **({"face_check": session.face_check} if faces.offered() else {})}


def activity_dict(activity: Activity) -> dict[str, Any]:
    return {"id": activity.id, "name": activity.name, "number": activity.number, "organiser_unit_id": activity.unit_id,
            "category_id": activity.category_id, "credit_level": activity.credit_level,
            "credits": credits_text(activity.credits), "hours": hours_text(activity.hours),
            "min_sessions": activity.min_sessions, "required_sessions": activity.required_sessions,
            "starts_on": activity.starts_on.isoformat(), "ends_on": activity.ends_on.isoformat(),
            "open_to_all": activity.open_to_all, "state": activity.state,
            "sessions": [session_dict(s) for s in activity.sessions]}


def attendance_dict(row: Attendance) -> dict[str, Any]:
    session = row.session
    return {"id": row.id, "kind": row.kind, "at": _time(row.at), "via": row.via, "flags": list(row.flags or []),
            "distance_m": row.distance_m, "person_id": row.person_id,
            "session": {"id": session.id, "title": session.title, "starts_at": _time(session.starts_at)},
            "activity": {"id": session.activity.id, "name": session.activity.name}}


def refused(error: AttendanceRefused):
    return answer(409, code=error.code, message=str(error))


def invalid(error: ActivityInvalid):
    return answer(400, message=error.errors)


class ActivityApi(BaseApi):
    """The organiser's side: their unit's activities (any for the province)."""

    route_base = "/api/v1"
    resource_name = "activities"
    class_permission_name = "ActivityApi"
    allow_browser_login = True
    openapi_spec_tag = "CME activities"

    @expose("/activities/", methods=["POST"])
    @protect()
    @permission_name("post")
    @idempotent_api
    def create(self):
        """Create an activity with its sessions.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [name, category_id, credit_level, credits, hours, sessions]
                  properties:
                    name: {type: string}
                    number: {type: string, description: 项目编号}
                    organiser_unit_id: {type: integer, description: the province only; others organise for their unit}
                    category_id: {type: integer}
                    credit_level: {type: string}
                    credits: {type: string, example: "2.00"}
                    hours: {type: string, example: "6.0"}
                    min_sessions: {type: integer, description: sessions required for the credit (default all)}
                    open_to_all: {type: boolean}
                    allowed_units: {type: array, items: {type: string}, description: unit codes}
                    allowed_people: {type: array, items: {type: string}, description: ID numbers}
                    sessions:
                      type: array
                      items:
                        type: object
                        properties:
                          title: {type: string}
                          teacher: {type: string}
                          starts_at: {type: string, format: date-time}
                          ends_at: {type: string, format: date-time}
                          venue: {type: string}
                          lat: {type: number}
                          lon: {type: number}
                          radius_m: {type: integer}
                          check_out: {type: boolean}
                          check_in_before: {type: integer, description: minutes before the start (default 30)}
                          check_in_after: {type: integer, description: minutes after the start (default 15)}
                          check_out_before: {type: integer, description: minutes before the end (default 10)}
                          check_out_after: {type: integer, description: minutes after the end (default 30)}
          responses:
            201: {description: The activity with its sessions' ids}
            400: {description: "What is wrong, by field: {message: {field: [...]}}"}
            404: {description: Not an organiser}
        """
        try:
            activity = services.save(current_actor(), json_body())
        except ActivityInvalid as e:
            return invalid(e)
        return answer(201, **activity_dict(activity))

    @expose("/activities/<int:activity_id>", methods=["GET"])
    @protect()
    @permission_name("get")
    def detail(self, activity_id: int):
        """An activity the actor organises.
        ---
        get:
          parameters:
          - {in: path, name: activity_id, required: true, schema: {type: integer}}
          responses:
            200: {description: The activity with its sessions}
            404: {description: Not an activity the actor organises}
        """
        return answer(200, **activity_dict(services.get(current_actor(), activity_id)))

    @expose("/activities/<int:activity_id>/sessions/<int:session_id>/code", methods=["GET"])
    @protect()
    @permission_name("get")
    def code(self, activity_id: int, session_id: int):
        """The session's current check-in or check-out code (what the projector shows).
        ---
        get:
          parameters:
          - {in: path, name: activity_id, required: true, schema: {type: integer}}
          - {in: path, name: session_id, required: true, schema: {type: integer}}
          - {in: query, name: kind, schema: {type: string, enum: [check_in, check_out]}}
          - {in: query, name: svg, description: "1: add the QR code as SVG markup", schema: {type: integer}}
          responses:
            200: {description: "{url, expires_in, count} (and svg)"}
            404: {description: Not a session of an activity the actor organises}
        """
        session = services.session_of(services.get(current_actor(), activity_id), session_id)
        kind = CHECK_OUT if request.args.get("kind") == CHECK_OUT else CHECK_IN
        url = codes.url(session, kind)
        extra = {"svg": qr_svg(url)} if request.args.get("svg") == "1" else {}
        return answer(200, url=url, expires_in=codes.expires_in(), kind=kind,
                      count=services.attendance_count(session, kind), **extra)

    @expose("/activities/<int:activity_id>/sessions/<int:session_id>/scan", methods=["POST"])
    @protect()
    @permission_name("post")
    def scan(self, activity_id: int, session_id: int):
        """Record a learner's check-in or check-out from their 我的二维码.
        ---
        post:
          parameters:
          - {in: path, name: activity_id, required: true, schema: {type: integer}}
          - {in: path, name: session_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [code, kind]
                  properties:
                    code: {type: string, description: "the QR text, CME1:<person>:<six digits>"}
                    kind: {type: string, enum: [check_in, check_out]}
          responses:
            201: {description: The attendance row}
            200: {description: The learner had it already}
            400: {description: No kind}
            409: {description: "{code: unknown_code | window_closed | not_allowed}"}
        """
        actor = current_actor()
        activity = services.get(actor, activity_id)
        data = json_body()
        try:
            row, created = services.scan_personal(actor, activity, services.session_of(activity, session_id),
                                                  str(data.get("code") or ""), str(data.get("kind") or ""))
        except ActivityInvalid as e:
            return invalid(e)
        except AttendanceRefused as e:
            return refused(e)
        return answer(201 if created else 200, **attendance_dict(row), name=row.person.name)

    @expose("/activities/<int:activity_id>/close", methods=["POST"])
    @protect()
    @permission_name("post")
    def close(self, activity_id: int):
        """Close the activity: no more scans; whoever met the rule gets the record.
        ---
        post:
          parameters:
          - {in: path, name: activity_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "{state, granted: [record ids]}"}
            400: {description: Closed already}
            404: {description: Not an activity the actor organises}
        """
        activity = services.get(current_actor(), activity_id)
        try:
            granted = services.close(current_actor(), activity)
        except ActivityInvalid as e:
            return invalid(e)
        return answer(200, state=activity.state, granted=[r.id for r in granted])


class AttendanceApi(BaseApi):
    """The learner's side: checking in and out, their attendance, their personal code."""

    route_base = "/api/v1"
    resource_name = "attendance"
    class_permission_name = "AttendanceApi"
    allow_browser_login = True
    openapi_spec_tag = "Attendance"

    @expose("/attendance/", methods=["POST"])
    @protect()
    @permission_name("post")
    def check(self):
        """Check in or out with a scanned session code.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [url]
                  properties:
                    url: {type: string, description: the scanned code}
                    lat: {type: number}
                    lon: {type: number}
                    accuracy: {type: number, description: metres}
                    device: {type: string, description: the app's stable device id (the web page's cookie)}
                    photo: {type: string, description: "base64 JPEG of the learner's face (a session with face_check)"}
          responses:
            201: {description: The attendance row}
            200: {description: A repeat (the row recorded before)}
            409: {description: "{code: stale_code | bad_code | window_closed | device_in_use | outside_venue | not_allowed}"}
        """
        data = json_body()
        try:
            row, created = services.scan_code(current_actor(), str(data.get("url") or ""),
                                              Position.read(data.get("lat"), data.get("lon"), data.get("accuracy")),
                                              str(data.get("device") or "")[:200], _photo(data.get("photo")))
        except AttendanceRefused as e:
            return refused(e)
        return answer(201 if created else 200, **attendance_dict(row))

    @expose("/me/attendance", methods=["GET"])
    @protect()
    @permission_name("get")
    def mine(self):
        """The learner's check-ins and check-outs at the sessions of a year, newest first.
        ---
        get:
          parameters:
          - {in: query, name: year, description: "the sessions' year (default: this year)", schema: {type: integer}}
          responses:
            200: {description: "{year, attendance: [...]}"}
        """
        person = current_actor().person
        year = stats.chosen_year(request.args.get("year"), services.this_year())
        return answer(200, year=year,
                      attendance=[attendance_dict(r) for r in services.my_attendance(person, year)] if person else [])

    @expose("/me/code", methods=["GET"])
    @protect()
    @permission_name("get")
    def my_code(self):
        """The learner's 我的二维码 now, and when it changes.
        ---
        get:
          parameters:
          - {in: query, name: svg, description: "1: add the QR code as SVG markup", schema: {type: integer}}
          responses:
            200: {description: "{code, expires_in} (and svg)"}
            404: {description: Not a person}
        """
        person = current_actor().person
        if person is None:
            return answer(404, code="not_found", message="")
        text = services.personal_code(person)
        extra = {"svg": qr_svg(text)} if request.args.get("svg") == "1" else {}
        return answer(200, code=text, expires_in=personal_codes.expires_in(), **extra)
