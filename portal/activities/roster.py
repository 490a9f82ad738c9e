"""The roster of an activity (what the organiser sees and exports): everyone who scanned, with
each session's check-in and check-out, the flags and refused scans, and whether the activity
granted them its record or why not."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.actor import Actor
from portal.activities import services
from portal.contracts import Column, Table
from portal.extensions import db
from portal.faces import services as faces
from portal.models import Activity, ActivitySession, Attendance, AttendanceRefusal, CreditRecord, Person
from portal.models.activities import CHECK_IN, CHECK_OUT
from portal.people.masking import mask_id_number

KIND = "activity_roster"
# Every answer a face check at check-in ends with (the core's and the face plugin's); a check-in at a
# session that asks for one and has none of them is still waiting for its check.
FACE_OUTCOMES = frozenset({faces.NO_PHOTO, faces.CHECK_FAILED, "face_matched", "face_mismatch", "face_unclear",
                           "face_not_enrolled"})
PENDING_FACE_CHECK = "face_check_pending"
# Flags that say all is well (shown as such, not as something to look at).
PASSED = frozenset({"face_matched"})


def flag_label(flag: str) -> str:
    return {"no_position": _("no position"), "poor_accuracy": _("imprecise position"), "no_device": _("no device id"),
            "device_in_use": _("second account on one phone"), "outside_venue": _("outside the venue"),
            "no_face_photo": _("no face photo"), "face_not_enrolled": _("face not enrolled"),
            "face_unclear": _("no clear face in the photo"), "face_mismatch": _("face does not match"),
            "face_check_failed": _("face check failed: it could not be completed, check the person by hand"),
            "face_matched": _("face matched"), PENDING_FACE_CHECK: _("face check pending")}.get(flag, flag)


def _face_pending(scan: Attendance) -> bool:
    """A check-in whose face check has not answered yet (its job is queued or running)."""
    return (scan.kind == CHECK_IN and scan.session.face_check and faces.offered()
            and not FACE_OUTCOMES.intersection(scan.flags or []))


@dataclass
class Line:
    person: Person
    scans: dict[tuple[int, str], Attendance] = field(default_factory=dict)
    refusals: list[AttendanceRefusal] = field(default_factory=list)
    attended: int = 0
    record: CreditRecord | None = None
    why: str = ""

    @property
    def marks(self) -> list[tuple[str, str]]:
        """(flag, its label) of the scans and refused scans, each once, with PENDING_FACE_CHECK for
        a face check that has not answered yet."""
        found = [f for a in self.scans.values() for f in [*(a.flags or []), *([PENDING_FACE_CHECK] if _face_pending(a) else [])]]
        return [(f, flag_label(f)) for f in dict.fromkeys(found + [r.reason for r in self.refusals])]

    @property
    def flags(self) -> list[str]:
        return [label for _, label in self.marks]


def lines(activity: Activity) -> list[Line]:
    session_ids = [s.id for s in activity.sessions]
    by_person: dict[int, Line] = {}
    scans = db.session.scalars(select(Attendance).where(Attendance.session_id.in_(session_ids),
                                                        Attendance.year.in_(services.session_years(activity)))
                               .options(selectinload(Attendance.person)).order_by(Attendance.at))
    for scan in scans:
        by_person.setdefault(scan.person_id, Line(scan.person)).scans[(scan.session_id, scan.kind)] = scan
    refusals = db.session.scalars(select(AttendanceRefusal).where(AttendanceRefusal.session_id.in_(session_ids))
                                  .options(selectinload(AttendanceRefusal.person)).order_by(AttendanceRefusal.at))
    for refusal in refusals:
        by_person.setdefault(refusal.person_id, Line(refusal.person)).refusals.append(refusal)
    attended = services.attended(activity, list(by_person))
    records = services.granted_records(activity)
    waiting = services.unmet_conditions(activity, [p for p in by_person if p not in records])
    for person_id, line in by_person.items():
        line.attended = len(attended.get(person_id, []))
        line.record = records.get(person_id)
        if line.record is None:
            line.why = _why(activity, line, waiting.get(person_id, []))
    return sorted(by_person.values(), key=lambda line: (line.person.name, line.person.id))


def _why(activity: Activity, line: Line, waiting: list[str]) -> str:
    """Why the person has no record (yet): the sessions short, which check-outs are missing, and
    the other conditions (evaluation, exam) not met."""
    missing_out = [s.title for s in activity.sessions
                   if s.check_out and (s.id, CHECK_IN) in line.scans and (s.id, CHECK_OUT) not in line.scans]
    text = _("%(n)d of %(required)d required sessions attended", n=line.attended, required=activity.required_sessions)
    if missing_out:
        text += _("; no check-out: %(sessions)s", sessions="、".join(missing_out))
    if waiting:
        text += _("; not yet: %(conditions)s", conditions="、".join(waiting))
    return text


def scan_time(line: Line, session: ActivitySession, kind: str) -> str:
    scan = line.scans.get((session.id, kind))
    return services.local(scan.at).strftime("%H:%M") if scan else ""


def outcome(line: Line) -> str:
    return _("Credits granted") if line.record else _("Fell short: %(why)s", why=line.why)


def roster_table(actor: Actor, params: Mapping[str, str]) -> Table:
    """The roster as a table for the exporters (``activity_id`` names the activity)."""
    try:
        activity_id = int(params.get("activity_id", ""))
    except ValueError:
        abort(404)
    activity = db.session.scalar(services.organised(actor).where(Activity.id == activity_id)
                                 .options(selectinload(Activity.sessions))) or abort(404)
    found = lines(activity)
    columns = [Column(_("Name"), "text", 10), Column(_("ID number"), "text", 20), Column(_("Unit"), "text", 24)]
    for session in activity.sessions:
        columns += [Column(_("%(session)s check-in", session=session.title), "text", 14)]
        if session.check_out:
            columns += [Column(_("%(session)s check-out", session=session.title), "text", 14)]
    columns += [Column(_("Sessions attended"), "integer", 10), Column(_("Flags"), "text", 24),
                Column(_("Outcome"), "text", 30)]

    def row(line: Line) -> tuple:
        times = []
        for session in activity.sessions:
            times.append(scan_time(line, session, CHECK_IN))
            if session.check_out:
                times.append(scan_time(line, session, CHECK_OUT))
        return (line.person.name, mask_id_number(line.person.id_number or ""), line.person.unit.name if line.person.unit
                else "", *times, line.attended, "、".join(line.flags), outcome(line))

    return Table(title=_("Roster of %(name)s", name=activity.name), filename=_("Roster %(name)s", name=activity.name),
                 columns=tuple(columns), rows=(row(line) for line in found), expected_rows=len(found))
