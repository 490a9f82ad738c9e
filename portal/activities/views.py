"""The pages of CME activities: the organiser's list, form, roster, projector and phone scanner,
and the 项目管理员 of a unit; the learner's check-in page (opened from the projector's QR code),
考勤登记, 考勤记录查询 and 我的二维码."""
from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from portal.accounts.actor import current_actor
from portal.activities import codes, forms, record_links, roster, services
from portal.activities.services import ActivityInvalid, AttendanceRefused, Position
from portal.categories import services as categories
from portal.compliance import stats
from portal.dictionaries.services import names
from portal.extensions import db
from portal.faces import services as faces
from portal.models import Activity, ActivitySession
from portal.models.activities import CHECK_IN, CHECK_OUT

DEVICE_COOKIE = "portal_device"
# As long as browsers keep a cookie (Chrome caps it at 400 days).
DEVICE_COOKIE_DAYS = 400
LIST_LIMIT = 200


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="attendance-device")


def device_id() -> str:
    """This browser's device id from its signed cookie ("" when it has none or a forged one)."""
    try:
        value = _device_signer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return ""
    return value if isinstance(value, str) else ""


def _set_device_cookie(response, device: str) -> None:
    response.set_cookie(DEVICE_COOKIE, _device_signer().dumps(device), max_age=DEVICE_COOKIE_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config["BASE_URL"].startswith("https://"))


class ActivityView(BaseView):
    """The organiser's pages."""

    route_base = "/activities"
    class_permission_name = "Activities"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        activities = db.session.scalars(services.organised(actor).options(selectinload(Activity.sessions))
                                        .order_by(Activity.starts_on.desc(), Activity.id.desc()).limit(LIST_LIMIT)).all()
        return self.render_template("portal/activities/index.html", title=_("CME activities"), activities=activities,
                                    actor=actor)

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        return self._form(None)

    @expose("/<int:activity_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, activity_id: int):
        return self._form(services.get(current_actor(), activity_id))

    def _form(self, activity: Activity | None):
        actor = current_actor()
        if not services.is_organiser(actor):
            abort(404)
        errors: dict[str, list[str]] = {}
        values = forms.values(activity)
        if request.method == "POST":
            try:
                saved = services.save(actor, forms.read(request.form), activity)
                flash(_("The activity %(name)s was saved.", name=saved.name), "success")
                return redirect(url_for("ActivityView.detail", activity_id=saved.id))
            except ActivityInvalid as e:
                db.session.rollback()
                errors, values = e.errors, forms.redisplay(request.form)
                if activity is not None:
                    activity = services.get(actor, activity.id)
        return self.render_template(
            "portal/activities/form.html", title=_("Edit activity") if activity else _("New activity"), activity=activity,
            values=values, errors=errors, units=services.units_for(actor), categories=categories.enabled(),
            levels=names("credit_levels"), actor=actor, face_checks=faces.offered())

    @expose("/<int:activity_id>")
    @has_access
    def detail(self, activity_id: int):
        activity = services.get(current_actor(), activity_id)
        lines = roster.lines(activity)
        return self.render_template("portal/activities/detail.html", title=activity.name, activity=activity, lines=lines,
                                    roster=roster, local=services.local, levels=names("credit_levels"),
                                    CHECK_IN=CHECK_IN, CHECK_OUT=CHECK_OUT,
                                    granted=sum(1 for line in lines if line.record))

    @expose("/<int:activity_id>/close", methods=["POST"])
    @has_access
    def close(self, activity_id: int):
        actor = current_actor()
        activity = services.get(actor, activity_id)
        try:
            granted = services.close(actor, activity)
            flash(_("The activity is closed; %(n)d more records were granted.", n=len(granted)), "success")
        except ActivityInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("ActivityView.detail", activity_id=activity_id))

    @expose("/<int:activity_id>/sessions/<int:session_id>/projector")
    @has_access
    def projector(self, activity_id: int, session_id: int):
        activity = services.get(current_actor(), activity_id)
        session = services.session_of(activity, session_id)
        kind = CHECK_OUT if request.args.get("kind") == CHECK_OUT and session.check_out else CHECK_IN
        return self.render_template("portal/activities/projector.html", title=session.title, activity=activity,
                                    course=session, kind=kind, window=codes.WINDOW_SECONDS,
                                    start=services.local(session.starts_at), end=services.local(session.ends_at))

    @expose("/<int:activity_id>/sessions/<int:session_id>/scan")
    @has_access
    def scanner(self, activity_id: int, session_id: int):
        activity = services.get(current_actor(), activity_id)
        session = services.session_of(activity, session_id)
        return self.render_template("portal/activities/scanner.html", title=_("Scan personal codes"), activity=activity,
                                    course=session)

    @expose("/organisers", methods=["GET", "POST"])
    @has_access
    def organisers(self):
        """The unit admin's 项目管理员: grant or take back."""
        actor = current_actor()
        if not (actor.is_unit_admin or actor.is_province_admin):
            return redirect(url_for("ActivityView.index"))
        if request.method == "POST":
            granted = request.form.get("grant") == "1"
            try:
                person = services.set_project_admin(actor, granted, request.form.get("id_number", ""),
                                                    request.form.get("person_id", type=int))
                flash(_("%(name)s is now a project admin.", name=person.name) if granted
                      else _("%(name)s is no longer a project admin.", name=person.name), "success")
            except ActivityInvalid as e:
                flash(str(e), "danger")
            return redirect(url_for("ActivityView.organisers"))
        return self.render_template("portal/activities/organisers.html", title=_("Project admins"),
                                    people=services.project_admins(actor))


class CheckInView(BaseView):
    """The page a phone opens from the projector's QR code: confirm, with the phone's position."""

    route_base = "/a"
    class_permission_name = "Attendance"

    @expose("/<int:session_id>/<int:window>/<mac>", methods=["GET", "POST"])
    @has_access
    def check(self, session_id: int, window: int, mac: str):
        actor = current_actor()
        known = device_id()
        device = known or secrets.token_urlsafe(24)
        code = f"/a/{session_id}/{window}/{mac}"
        session = db.session.get(ActivitySession, session_id)
        outcome, error, created = None, None, False
        try:
            if session is None:
                raise AttendanceRefused("bad_code")
            if request.method == "POST":
                position = Position.read(request.form.get("lat"), request.form.get("lon"), request.form.get("accuracy"))
                photo = request.files.get("photo")
                outcome, created = services.scan_code(actor, code, position, device, photo.read() if photo else None)
            else:
                codes.verify(session, codes.parse(code))
        except codes.CodeRefused as e:
            error = AttendanceRefused(e.code)
        except AttendanceRefused as e:
            error = e
        response = current_app.make_response(self.render_template(
            "portal/activities/check_in.html", title=_("Attendance"), course=session, outcome=outcome, created=created,
            error=error, person=actor.person, local=services.local, start=services.local(session.starts_at) if session else None,
            face_check=session is not None and session.face_check and faces.offered()))
        if not known:  # none yet, or one not signed by us: this browser gets its id now
            _set_device_cookie(response, device)
        return response


class AttendanceView(BaseView):
    """The learner's pages, in the phone app (under /m/, in its layout and the reach of its service
    worker): 考勤登记, 考勤记录查询, 我的二维码."""

    route_base = "/m"
    class_permission_name = "Attendance"
    default_view = "upcoming"

    @expose("/attendance")
    @has_access
    def upcoming(self):
        person = current_actor().person
        sessions = services.upcoming_for(person, codes.utc_now()) if person else []
        return self.render_template("portal/activities/upcoming.html", title=_("Attendance registration"),
                                    sessions=sessions, local=services.local)

    @expose("/attendance/records")
    @has_access
    def records(self):
        person = current_actor().person
        # One year at a time (this year unless another is chosen), so PostgreSQL reads that year's partition.
        year = stats.chosen_year(request.args.get("year"), services.this_year())
        rows = services.my_attendance(person, year) if person else []
        return self.render_template("portal/activities/records.html", title=_("Attendance records"), rows=rows,
                                    local=services.local, CHECK_IN=CHECK_IN, flag_label=roster.flag_label,
                                    passed=roster.PASSED, year=year, years=stats.years_offered(year),
                                    columns=record_links.columns(person, [r.session.activity_id for r in rows]))

    @expose("/my-code")
    @has_access
    def my_code(self):
        return self.render_template("portal/activities/my_code.html", title=_("My QR code"),
                                    person=current_actor().person, window=codes.WINDOW_SECONDS)


class FormerAttendanceLinks(BaseView):
    """Where the learner's pages were before they moved into the app: bookmarks still arrive."""

    route_base = "/attendance"

    @expose("/")
    def upcoming(self):
        return redirect(url_for("AttendanceView.upcoming"), 301)

    @expose("/records")
    def records(self):
        return redirect(url_for("AttendanceView.records"), 301)

    @expose("/my-code")
    def my_code(self):
        return redirect(url_for("AttendanceView.my_code"), 301)
