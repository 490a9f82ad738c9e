"""CME activities, the code that writes: organising them (unit admins for their unit, 项目管理员
of the unit, the province for any), recording attendance from the rotating codes and from the
organiser's scan of 我的二维码, refusing what cheating looks like, and granting the activity's
credit record once a learner meets its attendance rule, through the approval path (audit row,
yearly summary) in the same transaction. Someone else's activity is a 404."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import events
from portal.accounts import audit as accounts_audit
from portal.accounts.actor import Actor
from portal.accounts.roles import PROJECT_ADMIN
from portal.activities import codes, geo, personal_codes
from portal.categories import services as categories
from portal.compliance import summaries
from portal.credits import audit as credits_audit
from portal.dictionaries.services import level_classes, names
from portal.extensions import commit_keeping_state, db
from portal.faces import services as faces
from portal.models import (
    Activity,
    ActivityAllowed,
    ActivitySession,
    Attendance,
    AttendanceRefusal,
    CreditRecord,
    Person,
    PersonalCodeKey,
    Unit,
    sealed,
)
from portal.models.activities import CHECK_IN, CHECK_OUT
from portal.notices import services as notices
from portal.people import id_number
from portal.people import services as people

# A reported accuracy worse than this is shown to the organiser.
POOR_ACCURACY_M = 200


class ActivityInvalid(ValueError):
    """The activity cannot be saved; ``errors`` maps field names to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


class AttendanceRefused(RuntimeError):
    """A scan refused; ``code`` is the API's name for the reason, the message the learner's words."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(refusal_text(code))


def refusal_text(code: str) -> str:
    return {
        "stale_code": _("This code has expired. Scan the code on the screen again, in the room."),
        "bad_code": _("This is not a valid attendance code. Scan the code on the screen again."),
        "window_closed": _("Attendance is not open now for this session: check-in opens 30 minutes before the start, "
                           "check-out 10 minutes before the end (unless the organiser set other times)."),
        "device_in_use": _("Another account has already checked in to this session on this phone. Each person checks "
                           "in on their own phone; the organiser has been shown this attempt."),
        "outside_venue": _("Your position is outside the venue. Check in inside the room; if your phone's position is "
                           "wrong, ask the organiser to scan your personal code."),
        "not_allowed": _("You are not on the list of people who may attend this activity."),
        "unknown_code": _("This personal code is not valid now: ask the learner to open their code again."),
    }.get(code, code)


# --- who organises what ----------------------------------------------------------------------------

def is_organiser(actor: Actor) -> bool:
    return actor.is_province_admin or actor.is_unit_admin or actor.is_project_admin


def organised(actor: Actor) -> Select:
    """The activities the actor organises: their unit's; every one for the province."""
    query = select(Activity)
    if actor.is_province_admin:
        return query
    if (actor.is_unit_admin or actor.is_project_admin) and actor.unit_id is not None:
        return query.where(Activity.unit_id == actor.unit_id)
    return query.where(False)


def get(actor: Actor, activity_id: int) -> Activity:
    found = db.session.scalar(organised(actor).where(Activity.id == activity_id)
                              .options(selectinload(Activity.sessions), selectinload(Activity.allowed)))
    return found or abort(404)


def session_of(activity: Activity, session_id: int) -> ActivitySession:
    return next((s for s in activity.sessions if s.id == session_id), None) or abort(404)


def units_for(actor: Actor) -> list[Unit]:
    """The units the actor may organise activities for."""
    query = select(Unit).order_by(Unit.code)
    return list(db.session.scalars(query if actor.is_province_admin else query.where(Unit.id == actor.unit_id)))


# --- times ---------------------------------------------------------------------------------------

def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIME_ZONE"])


def to_utc(text: Any) -> dt.datetime | None:
    """An ISO 8601 time (with an offset; without one, in the portal's time zone) as stored: UTC, naive."""
    if isinstance(text, dt.datetime):
        value = text
    else:
        try:
            value = dt.datetime.fromisoformat(str(text or "").strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def local(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in the portal's time zone."""
    return value.replace(tzinfo=dt.UTC).astimezone(zone())


def session_year(session: ActivitySession) -> int:
    """The year of the session's start as the pages show it: the year of its attendance, whenever
    the scan (their partition on PostgreSQL, docs/partitions.md)."""
    return local(session.starts_at).year


def this_year() -> int:
    """The year now, by the portal's clock and in its time zone."""
    return local(codes.utc_now()).year


# --- saving an activity --------------------------------------------------------------------------

@dataclass
class SessionData:
    id: int | None
    title: str
    teacher: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    lat: float | None
    lon: float | None
    radius_m: int | None
    check_out: bool
    windows: dict[str, int]
    face_check: bool = False


# The minutes around the start (check-in) and the end (check-out) in which scans count, and their defaults.
WINDOW_MINUTES = {"check_in_before": 30, "check_in_after": 15, "check_out_before": 10, "check_out_after": 30}


def _decimal(value: Any, places: int) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal(1).scaleb(-places)):
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _number(value: Any, kind: type) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        return False
    return number


def _read_session(raw: Any, n: int, errors: dict[str, list[str]]) -> SessionData | None:
    where = _("Session %(n)d", n=n)
    if not isinstance(raw, Mapping):
        errors.setdefault("sessions", []).append(_("%(where)s: give its title and times.", where=where))
        return None
    title = str(raw.get("title") or "").strip()[:200]
    starts_at, ends_at = to_utc(raw.get("starts_at")), to_utc(raw.get("ends_at"))
    problems = []
    if not title:
        problems.append(_("give its title"))
    if starts_at is None or ends_at is None:
        problems.append(_("give its start and end time"))
    elif ends_at <= starts_at:
        problems.append(_("its end must come after its start"))
    lat, lon, radius = _number(raw.get("lat"), float), _number(raw.get("lon"), float), _number(raw.get("radius_m"), int)
    position = (lat, lon, radius)
    if any(v is False for v in position) or (any(v is not None for v in position) and None in position):
        problems.append(_("give the venue's latitude, longitude and radius together, or none of them"))
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180 and 10 <= radius <= 5000):
        problems.append(_("the venue's position must be WGS-84 degrees with a radius of 10 to 5,000 metres"))
    datum = str(raw.get("datum") or "wgs84")
    if datum not in geo.DATUMS:
        problems.append(_("the venue's coordinates are WGS-84, GCJ-02 or BD-09"))
    elif lat is not None and lat is not False and lon is not None and lon is not False:
        lat, lon = (round(v, 7) for v in geo.DATUMS[datum](lat, lon))
    windows = {name: _number(raw.get(name), int) for name in WINDOW_MINUTES}
    if any(v is False or (v is not None and not 0 <= v <= 240) for v in windows.values()):
        problems.append(_("the check-in and check-out times are minutes from 0 to 240"))
    if problems:
        errors.setdefault("sessions", []).append(f"{where}: {'；'.join(problems)}")
        return None
    given_id = raw.get("id")
    return SessionData(id=given_id if isinstance(given_id, int) else None, title=title,
                       teacher=str(raw.get("teacher") or "").strip()[:100], starts_at=starts_at, ends_at=ends_at,
                       venue=str(raw.get("venue") or "").strip()[:200], lat=lat, lon=lon, radius_m=radius,
                       check_out=raw.get("check_out") not in (False, "0", "false", "", None)
                       if "check_out" in raw else True,
                       windows={name: default if windows[name] is None else windows[name]
                                for name, default in WINDOW_MINUTES.items()},
                       face_check=faces.offered() and raw.get("face_check") not in (False, "0", "false", "", None))


def save(actor: Actor, data: Mapping[str, Any], activity: Activity | None = None) -> Activity:
    """Create an activity (``activity`` None) or change an open one, with its sessions, from the
    API's JSON shape: name, number, organiser_unit_id, category_id, credit_level, credits, hours,
    min_sessions, open_to_all, allowed_units (codes), allowed_people (ID numbers), sessions."""
    if not is_organiser(actor):
        abort(404)
    if activity is not None and activity.state != "open":
        raise ActivityInvalid({"state": [_("A closed activity cannot be changed.")]})
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()[:200]
    if not name:
        errors["name"] = [_("Give the activity's name.")]
    unit_id = data.get("organiser_unit_id")
    if not actor.is_province_admin:
        unit_id = actor.unit_id
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        errors["organiser_unit_id"] = [_("Choose the organising unit.")]
    category_id = data.get("category_id")
    category = next((c for c in categories.enabled() if c.id == category_id), None)
    if category is None:
        errors["category_id"] = [_("Choose one of the credit categories.")]
    level = str(data.get("credit_level") or "")
    if level not in names("credit_levels"):
        errors["credit_level"] = [_("Choose one of the credit levels.")]
    credits, hours = _decimal(data.get("credits"), 2), _decimal(data.get("hours"), 1)
    if credits is None or credits <= 0:
        errors["credits"] = [_("Give the credits as a number above 0 with at most two decimals.")]
    if hours is None:
        errors["hours"] = [_("Give the hours as a number with at most one decimal.")]
    min_sessions = _number(data.get("min_sessions"), int)
    raw_sessions = data.get("sessions")
    if not isinstance(raw_sessions, list) or not raw_sessions:
        errors["sessions"] = [_("Give at least one session.")]
        raw_sessions = []
    sessions = [s for n, raw in enumerate(raw_sessions, 1) if (s := _read_session(raw, n, errors))]
    if min_sessions is False or (min_sessions is not None and not 1 <= min_sessions <= max(len(raw_sessions), 1)):
        errors["min_sessions"] = [_("The sessions required must be between 1 and the number of sessions.")]
    allowed_units, allowed_people = _allowed(data, errors)
    if errors:
        raise ActivityInvalid(errors)
    creating = activity is None
    if creating:
        activity = Activity(created_by=actor.user.id, state="open")
        db.session.add(activity)
    activity.name, activity.number, activity.unit_id = name, str(data.get("number") or "").strip()[:64], unit.id
    activity.category_id, activity.credit_level, activity.credits, activity.hours = category.id, level, credits, hours
    activity.min_sessions = min_sessions
    activity.open_to_all = bool(data.get("open_to_all", True)) and not (allowed_units or allowed_people)
    _save_sessions(activity, sessions)
    activity.starts_on = local(min(s.starts_at for s in activity.sessions)).date()
    activity.ends_on = local(max(s.ends_at for s in activity.sessions)).date()
    activity.allowed = ([ActivityAllowed(unit_id=u.id) for u in allowed_units]
                        + [ActivityAllowed(person_id=p.id) for p in allowed_people])
    db.session.flush()
    accounts_audit.write(accounts_audit.ACTIVITY_SAVE, None, actor, activity.unit_id,
                         after={"activity_id": activity.id, "name": activity.name, "number": activity.number,
                                "sessions": len(activity.sessions), "created": creating})
    db.session.commit()
    return activity


def _allowed(data: Mapping[str, Any], errors: dict[str, list[str]]) -> tuple[list[Unit], list[Person]]:
    """The units (by code) and people (by ID number) listed as allowed to attend."""
    unit_codes = [str(c).strip() for c in data.get("allowed_units") or [] if str(c).strip()]
    numbers = [str(n).strip() for n in data.get("allowed_people") or [] if str(n).strip()]
    units = list(db.session.scalars(select(Unit).where(Unit.code.in_(unit_codes)))) if unit_codes else []
    if missing := sorted(set(unit_codes) - {u.code for u in units}):
        errors["allowed_units"] = [_("No unit has the code %(codes)s.", codes="、".join(missing))]
    parsed = []
    for number in numbers:
        try:
            parsed.append(id_number.parse(number).number)
        except id_number.InvalidIdNumber:
            errors.setdefault("allowed_people", []).append(_("%(number)s is not a valid ID number.", number=number))
    found = list(db.session.scalars(select(Person).where(Person.id_hash.in_(sealed.id_hashes(parsed))))) if parsed else []
    if len(found) < len(set(parsed)):
        errors.setdefault("allowed_people", []).append(_("Some ID numbers belong to nobody in the portal."))
    return units, found


def _save_sessions(activity: Activity, given: list[SessionData]) -> None:
    """Keep the sessions given with their id (and their secret), add the new ones, remove the
    others unless someone attended them."""
    existing = {s.id: s for s in activity.sessions}
    years_before = {s.id: session_year(s) for s in existing.values()}
    kept = []
    for data in given:
        session = existing.get(data.id) if data.id else None
        if session is None:
            session = ActivitySession(secret=codes.new_secret())
        for name in ("title", "teacher", "starts_at", "ends_at", "venue", "lat", "lon", "radius_m", "check_out", "face_check"):
            setattr(session, name, getattr(data, name))
        for name, minutes in data.windows.items():
            setattr(session, name, minutes)
        kept.append(session)
    dropped = [s.id for s in existing.values() if s not in kept]
    if dropped and db.session.scalar(select(exists().where(
            Attendance.session_id.in_(dropped), Attendance.year.in_(sorted({years_before[i] for i in dropped}))))):
        raise ActivityInvalid({"sessions": [_("A session somebody attended cannot be removed.")]})
    for session in kept:
        before = years_before.get(session.id)
        if before is not None and session_year(session) != before:
            # A start moved into another year takes its attendance along (on PostgreSQL, into that year's partition).
            db.session.execute(update(Attendance).where(Attendance.session_id == session.id, Attendance.year == before)
                               .values(year=session_year(session)).execution_options(synchronize_session=False))
    activity.sessions = kept


# --- 项目管理员 ------------------------------------------------------------------------------------

def project_admins(actor: Actor) -> list[Person]:
    return list(db.session.scalars(people.scoped(actor).where(people.has_role(PROJECT_ADMIN)).order_by(Person.name)))


def set_project_admin(actor: Actor, granted: bool, id_number_text: str = "", person_id: int | None = None) -> Person:
    """A unit admin grants (or takes back) 项目管理员 to a person of their unit (named by ID number
    or, from the list, by id); the province to anyone."""
    if person_id is None:
        try:
            number = id_number.parse(id_number_text or "").number
        except id_number.InvalidIdNumber as e:
            raise ActivityInvalid({"id_number": [str(e)]}) from None
        person = db.session.scalar(people.scoped(actor).where(Person.with_id_number(number),
                                                              Person.out_of_province.is_(False)))
        if person is None:
            raise ActivityInvalid({"id_number": [_("Nobody with this ID number is staff of your unit.")]})
        person_id = person.id
    person = people.managed(actor, person_id)
    before = sorted(r.name for r in person.user.roles)
    roles = [r for r in person.user.roles if r.name != PROJECT_ADMIN]
    if granted:
        roles.append(current_app.appbuilder.sm.find_role(PROJECT_ADMIN))
    person.user.roles = roles
    after = sorted(r.name for r in person.user.roles)
    if before != after:
        accounts_audit.write(accounts_audit.PROJECT_ADMIN_GRANT if granted else accounts_audit.PROJECT_ADMIN_REVOKE,
                             person.user, actor, person.unit_id, before={"roles": before}, after={"roles": after})
    db.session.commit()
    return person


# --- attendance ----------------------------------------------------------------------------------

def device_digest(device: str) -> str:
    """What is kept of a device's id: enough to tell two phones apart, nothing to replay."""
    return hashlib.sha256(device.encode()).hexdigest()[:32] if device else ""


def window_open(session: ActivitySession, kind: str, at: dt.datetime) -> bool:
    if kind == CHECK_IN:
        return (session.starts_at - dt.timedelta(minutes=session.check_in_before) <= at
                <= session.starts_at + dt.timedelta(minutes=session.check_in_after))
    return session.check_out and (session.ends_at - dt.timedelta(minutes=session.check_out_before) <= at
                                  <= session.ends_at + dt.timedelta(minutes=session.check_out_after))


def may_attend(activity: Activity, person: Person) -> bool:
    if activity.open_to_all:
        return True
    return any(a.person_id == person.id or (a.unit_id is not None and a.unit_id == person.unit_id)
               for a in activity.allowed)


@dataclass(frozen=True)
class Position:
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None

    @classmethod
    def read(cls, lat: Any, lon: Any, accuracy: Any) -> Position:
        def number(value: Any) -> float | None:
            if isinstance(value, bool) or value in (None, ""):
                return None
            try:
                found = float(value)
            except (TypeError, ValueError):
                return None
            return found if found == found and abs(found) != float("inf") else None
        lat_, lon_ = number(lat), number(lon)
        if lat_ is None or lon_ is None or not (-90 <= lat_ <= 90 and -180 <= lon_ <= 180):
            lat_ = lon_ = None
        acc = number(accuracy)
        return cls(lat_, lon_, abs(acc) if acc is not None else None)


def scan_code(actor: Actor, code: str, position: Position, device: str,
              photo: bytes | None = None) -> tuple[Attendance, bool]:
    """The learner scanned a session's rotating code: their check-in or check-out, and whether it
    is new (False: they had it already). AttendanceRefused says why not. ``photo``: the learner's
    face at a session that asks for a face check, compared after the check-in is recorded."""
    if actor.person is None:
        abort(404)
    try:
        scanned = codes.parse(code)
        session = db.session.scalar(_scanned_session(), {"session_id": scanned.session_id})
        if session is None:
            raise codes.CodeRefused("bad_code")
        kind = codes.verify(session, scanned)
    except codes.CodeRefused as e:
        raise AttendanceRefused(e.code) from None
    row, created = _record(actor, session, actor.person, kind, position, device_digest(device), via="code")
    if created:
        faces.check_in_photo(row, photo)
    return row, created


def scan_personal(actor: Actor, activity: Activity, session: ActivitySession, code: str, kind: str) -> tuple[Attendance, bool]:
    """The organiser scanned a learner's 我的二维码: that learner's check-in or check-out."""
    if kind not in codes.KINDS:
        raise ActivityInvalid({"kind": [_("Choose check-in or check-out.")]})
    person = person_of(code)
    if person is None:
        raise AttendanceRefused("unknown_code")
    return _record(actor, session, person, kind, Position(), "", via="scan")


def _record(actor: Actor, session: ActivitySession, person: Person, kind: str, position: Position, device: str,
            via: str) -> tuple[Attendance, bool]:
    activity = session.activity
    at = codes.utc_now()
    if activity.state != "open" or not window_open(session, kind, at):
        raise AttendanceRefused("window_closed")
    if not may_attend(activity, person):
        raise AttendanceRefused("not_allowed")
    found, device_taken = _earlier(session, person, kind, device if via == "code" else "")
    if found is not None:
        return found, False
    flags, distance = [], None
    if via == "code":
        if not device:
            flags.append("no_device")
        elif device_taken:
            _refuse(session, person, kind, "device_in_use", device, position)
        if session.has_position:
            if position.lat is None:
                flags.append("no_position")
            else:
                distance = round(geo.distance_m(session.lat, session.lon, position.lat, position.lon), 1)
                if distance > session.radius_m + (position.accuracy or 0):
                    _refuse(session, person, kind, "outside_venue", device, position, distance)
            if position.accuracy is not None and position.accuracy > POOR_ACCURACY_M:
                flags.append("poor_accuracy")
    row = Attendance(session=session, year=session_year(session), person_id=person.id, kind=kind, at=at, via=via,
                     device=device, lat=position.lat, lon=position.lon, accuracy=position.accuracy, distance_m=distance,
                     flags=flags, recorded_by=actor.user.id)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # the same scan, sent twice at once: the other request recorded it
        db.session.rollback()  # nothing else is written before the row
        return _earlier(session, person, kind, "")[0], False
    # Only a scan that completes a session (its check-out, or a check-in where none is asked) can meet the rule.
    completes = kind == CHECK_OUT or not session.check_out
    granted = _grant_if_due(actor, activity, person) if completes else None
    commit_keeping_state()
    _announce(actor, granted)
    return row, True


# A check-in's statements are built once, on first use: every check-in runs them, and building
# and keying a statement anew costs about a third of running it (see actor._signed_in_statement).
@cache
def _scanned_session() -> Select:
    return select(ActivitySession).where(ActivitySession.id == bindparam("session_id")).options(
        joinedload(ActivitySession.activity))


@cache
def _earlier_statement(with_device: bool) -> Select:
    mine = (Attendance.person_id == bindparam("person_id")) & (Attendance.kind == bindparam("kind"))
    others = (Attendance.device == bindparam("device")) & (Attendance.person_id != bindparam("person_id"))
    return select(Attendance).where(Attendance.session_id == bindparam("session_id"), Attendance.year == bindparam("year"),
                                    or_(mine, others) if with_device else mine)


def _earlier(session: ActivitySession, person: Person, kind: str, device: str) -> tuple[Attendance | None, bool]:
    """In one query: the person's row of this kind at the session, if they have it already, and
    whether another person's scan at the session came from ``device`` (never for "")."""
    rows = list(db.session.scalars(_earlier_statement(bool(device)), {
        "session_id": session.id, "year": session_year(session), "person_id": person.id, "kind": kind, "device": device}))
    found = next((r for r in rows if r.person_id == person.id and r.kind == kind), None)
    return found, any(r.person_id != person.id for r in rows)


def _refuse(session: ActivitySession, person: Person, kind: str, reason: str, device: str, position: Position,
            distance: float | None = None) -> None:
    """Keep the refused scan for the organiser (with the raw position), then refuse it."""
    db.session.add(AttendanceRefusal(session_id=session.id, person_id=person.id, kind=kind, reason=reason,
                                     at=codes.utc_now(), device=device,
                                     details={"lat": position.lat, "lon": position.lon, "accuracy": position.accuracy,
                                              "distance_m": distance}))
    db.session.commit()
    raise AttendanceRefused(reason)


def personal_code(person: Person) -> str:
    """The text of the person's 我的二维码 now; their key is made the first time."""
    key = db.session.get(PersonalCodeKey, person.id)
    secret = personal_codes.secret_of(key.encrypted) if key else None
    if secret is None:  # none yet, or made under a key file that was lost
        secret, encrypted = personal_codes.new_secret()
        if key is None:
            key = PersonalCodeKey(person_id=person.id, encrypted=encrypted)
            try:
                with db.session.begin_nested():
                    db.session.add(key)
            except IntegrityError:  # made by a request a moment ago
                key = db.session.get(PersonalCodeKey, person.id)
                secret = personal_codes.secret_of(key.encrypted)
        else:
            key.encrypted = encrypted
        db.session.commit()
    return personal_codes.text(person.id, secret)


def person_of(code: str) -> Person | None:
    """Whose 我的二维码 this is, when it is current."""
    parsed = personal_codes.parse(code)
    key = db.session.get(PersonalCodeKey, parsed[0]) if parsed else None
    secret = personal_codes.secret_of(key.encrypted) if key else None
    if secret is None or not personal_codes.matches(secret, parsed[1]):
        return None
    return db.session.get(Person, parsed[0])


# --- credits -------------------------------------------------------------------------------------

def attended(activity: Activity, person_ids: Iterable[int] | None = None) -> dict[int, list[ActivitySession]]:
    """Person id → the sessions of the activity they attended (checked in, and out where required)."""
    sessions = {s.id: s for s in activity.sessions}
    query = select(Attendance.person_id, Attendance.session_id, Attendance.kind).where(
        Attendance.session_id.in_(list(sessions)), Attendance.year.in_(session_years(activity)))
    if person_ids is not None:
        query = query.where(Attendance.person_id.in_(list(person_ids)))
    kinds: dict[tuple[int, int], set[str]] = {}
    for person_id, session_id, kind in db.session.execute(query):
        kinds.setdefault((person_id, session_id), set()).add(kind)
    found: dict[int, list[ActivitySession]] = {}
    for (person_id, session_id), done in kinds.items():
        session = sessions[session_id]
        found.setdefault(person_id, [])
        if CHECK_IN in done and (not session.check_out or CHECK_OUT in done):
            found[person_id].append(session)
    return found


def session_years(activity: Activity) -> list[int]:
    """The years of the activity's sessions: where its attendance lies."""
    return sorted({session_year(s) for s in activity.sessions})


def granted_records(activity: Activity) -> dict[int, CreditRecord]:
    """Person id → the record the activity granted them."""
    return {r.person_id: r for r in db.session.scalars(select(CreditRecord).where(CreditRecord.activity_id == activity.id))}


# Other features' conditions on an activity's credit, in app.extensions: name → (label, met(activity, person_ids)).
CONDITIONS = "portal_credit_conditions"


def add_condition(app, name: str, label: str, met) -> None:
    """A condition beside attendance on the activity's credit (its evaluation, its exam), named
    ``label`` on the roster: ``met(activity, person_ids)`` returns the ids among ``person_ids`` that
    meet it, all of them when the activity does not ask for it. The feature calls
    :func:`grant_if_due` when a person comes to meet it."""
    app.extensions.setdefault(CONDITIONS, {})[name] = (label, met)


def _meeting_conditions(activity: Activity, person_ids: Iterable[int]) -> set[int]:
    ids = set(person_ids)
    for _label, met in current_app.extensions.get(CONDITIONS, {}).values():
        ids &= set(met(activity, ids)) if ids else set()
    return ids


def unmet_conditions(activity: Activity, person_ids: Iterable[int]) -> dict[int, list[str]]:
    """Person id → the labels of the conditions beside attendance they do not meet yet."""
    ids, found = set(person_ids), {}
    for label, met in current_app.extensions.get(CONDITIONS, {}).values():
        for person_id in ids - set(met(activity, ids)):
            found.setdefault(person_id, []).append(str(label))
    return found


def grant_if_due(actor: Actor, activity: Activity, person: Person) -> CreditRecord | None:
    """After a condition was met: the record when the person now meets every one, committed and announced."""
    granted = _grant_if_due(actor, activity, person)
    db.session.commit()
    _announce(actor, granted)
    return granted


def _grant_if_due(actor: Actor, activity: Activity, person: Person) -> CreditRecord | None:
    sessions = attended(activity, [person.id]).get(person.id, [])
    if not activity.sessions or len(sessions) < activity.required_sessions:
        return None
    if person.id not in _meeting_conditions(activity, [person.id]):
        return None
    return _grant(actor, activity, person, max(s.starts_at for s in sessions))


def _grant(actor: Actor, activity: Activity, person: Person, last_session: dt.datetime) -> CreditRecord | None:
    """The activity's record for the person, approved, with its audit row and the yearly summary
    rewritten; None when they have it already. The person's row is locked first, so that of two
    grants at once the second sees the first's record: the unique index names the credit year too
    (records are partitioned by year), and a grant's date (its last session) could fall in another
    year than an earlier grant's."""
    _lock_person(person.id)
    if db.session.scalar(select(exists().where(CreditRecord.activity_id == activity.id,
                                               CreditRecord.person_id == person.id))):
        return None
    at = codes.utc_now()
    category = activity.category
    record = CreditRecord(
        person_id=person.id, unit_id=person.unit_id, category_id=category.id, type_slug=category.type_slug,
        status="approved", activity_id=activity.id, activity_name=activity.name, activity_number=activity.number,
        activity_date=local(last_session).date(), activity_type="collective", credit_level=activity.credit_level,
        issuing_unit_id=activity.unit_id, fields={}, params=category.params or {}, credits=activity.credits,
        hours=activity.hours, credit_class=level_classes().get(activity.credit_level) or category.credit_class,
        score_note=_("Granted by attendance of %(name)s", name=activity.name)[:200],
        submitted_at=at, reviewed_at=at, reviewed_by=actor.user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    credits_audit.write(record, actor, "grant", None, credits_audit.snapshot(record))
    summaries.refresh([record])
    return record


def _lock_person(person_id: int) -> None:
    """PostgreSQL locks the row; SQLite ignores FOR UPDATE and serialises writers instead, from a
    transaction's first write: a write that changes nothing takes that lock before the look."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Person).where(Person.id == person_id).values(id=Person.id))
    else:
        db.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


def _announce(actor: Actor, granted: CreditRecord | Iterable[CreditRecord] | None) -> None:
    """After the commit: the learner's notice and the plugins' event, as for a reviewed record."""
    records = [granted] if isinstance(granted, CreditRecord) else [r for r in granted or () if r]
    if not records:
        return
    events.credits_reviewed(records, actor)
    notices.review_results(records)


def close(actor: Actor, activity: Activity) -> list[CreditRecord]:
    """Close the activity: no more scans; everyone who met the rule and has no record yet gets it."""
    if activity.state != "open":
        raise ActivityInvalid({"state": [_("This activity is closed already.")]})
    activity.state, activity.closed_at = "closed", codes.utc_now()
    done = granted_records(activity)
    granted = []
    due = {person_id: sessions for person_id, sessions in attended(activity).items()
           if person_id not in done and sessions and len(sessions) >= activity.required_sessions}
    meeting = _meeting_conditions(activity, due)
    for person_id, sessions in due.items():
        if person_id not in meeting:
            continue
        record = _grant(actor, activity, db.session.get(Person, person_id), max(s.starts_at for s in sessions))
        if record is not None:
            granted.append(record)
    accounts_audit.write(accounts_audit.ACTIVITY_CLOSE, None, actor, activity.unit_id,
                         after={"activity_id": activity.id, "name": activity.name, "number": activity.number,
                                "granted": len(granted)})
    db.session.commit()
    _announce(actor, granted)
    return granted


def attendance_count(session: ActivitySession, kind: str) -> int:
    return db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.session_id == session.id, Attendance.year == session_year(session), Attendance.kind == kind)) or 0


def upcoming_for(person: Person, since: dt.datetime, limit: int = 20) -> list[ActivitySession]:
    """Sessions of open activities the person may attend, ending after ``since``, soonest first."""
    allowed = or_(Activity.open_to_all, Activity.allowed.any(or_(ActivityAllowed.person_id == person.id,
                                                                  ActivityAllowed.unit_id == person.unit_id)))
    query = (select(ActivitySession).join(Activity).where(Activity.state == "open", allowed, ActivitySession.ends_at >= since)
             .options(selectinload(ActivitySession.activity)).order_by(ActivitySession.starts_at).limit(limit))
    return list(db.session.scalars(query))


def my_attendance(person: Person, year: int, limit: int = 200) -> list[Attendance]:
    """The person's scans at the sessions of ``year``, newest first."""
    query = (select(Attendance).where(Attendance.person_id == person.id, Attendance.year == year)
             .options(selectinload(Attendance.session).selectinload(ActivitySession.activity))
             .order_by(Attendance.at.desc()).limit(limit))
    return list(db.session.scalars(query))


# --- retention -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Purged:
    activities: int
    refusals: int
    attendance: int
    closed_before: dt.datetime


def year_before(moment: dt.datetime) -> dt.datetime:
    """The same moment a calendar year earlier (28 February for a 29th)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def purge_attendance_details() -> Purged:
    """What attendance keeps only for disputes, gone one year after its activity closed: the
    refused scans are deleted, and the raw position, reported accuracy and device digest of the
    attendance rows are blanked. The rows themselves (who attended, when, the distance and the
    flags) and every credit record stay. Running it again changes nothing more."""
    cutoff = year_before(codes.utc_now())
    old_activities = select(Activity.id).where(Activity.state == "closed", Activity.closed_at < cutoff)
    old_sessions = select(ActivitySession.id).where(ActivitySession.activity_id.in_(old_activities))
    old_years = sorted({local(at).year for at in db.session.scalars(
        select(ActivitySession.starts_at).where(ActivitySession.activity_id.in_(old_activities)))})
    activities = db.session.scalar(select(func.count()).select_from(old_activities.subquery())) or 0
    refusals = db.session.execute(delete(AttendanceRefusal).where(AttendanceRefusal.session_id.in_(old_sessions)))
    attendance = db.session.execute(
        update(Attendance).where(Attendance.session_id.in_(old_sessions), Attendance.year.in_(old_years),
                                 or_(Attendance.lat.is_not(None), Attendance.lon.is_not(None),
                                     Attendance.accuracy.is_not(None), Attendance.device != ""))
        .values(lat=None, lon=None, accuracy=None, device="").execution_options(synchronize_session=False))
    db.session.commit()
    return Purged(activities, refusals.rowcount, attendance.rowcount, cutoff)
