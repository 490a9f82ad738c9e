"""The activity form (an activity and its sessions on one page): what the browser posts, read into
the API's JSON shape, so that the page and the API are checked by the same code
(``services.save``); and an activity turned back into the form's values."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from portal.activities import services
from portal.models import Activity

SESSION_FIELDS = ("id", "title", "teacher", "starts_at", "ends_at", "venue", "lat", "lon", "datum", "radius_m", "check_out",
                  "face_check", *services.WINDOW_MINUTES)
# Empty session rows the form offers beside the activity's own.
SPARE_SESSIONS = 2


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("，", ",").replace(",", "\n").splitlines() if line.strip()]


def _integer(text: str) -> int | None:
    return int(text) if (text or "").strip().isdigit() else None


def read(form: MultiDict) -> dict[str, Any]:
    """The posted form as ``services.save`` takes it; session rows left empty are ignored."""
    sessions = []
    n = 0
    while f"sessions-{n}-title" in form:
        row = {name: form.get(f"sessions-{n}-{name}", "").strip() for name in SESSION_FIELDS}
        n += 1
        if not any(row[name] for name in ("title", "starts_at", "ends_at", "venue")):
            continue
        row["id"] = _integer(row["id"])
        row["check_out"] = row["check_out"] == "1"
        row["face_check"] = row["face_check"] == "1"
        sessions.append(row)
    return {
        "name": form.get("name", ""), "number": form.get("number", ""),
        "organiser_unit_id": _integer(form.get("organiser_unit_id", "")), "category_id": _integer(form.get("category_id", "")),
        "credit_level": form.get("credit_level", ""), "credits": form.get("credits", ""), "hours": form.get("hours", ""),
        "min_sessions": form.get("min_sessions", "").strip() or None, "open_to_all": True,
        "allowed_units": _lines(form.get("allowed_units", "")), "allowed_people": _lines(form.get("allowed_people", "")),
        "sessions": sessions,
    }


def _local_input(value) -> str:
    return services.local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def values(activity: Activity | None) -> dict[str, Any]:
    """The form's values for an activity (empty for a new one), with spare session rows."""
    sessions = [{
        "id": s.id, "title": s.title, "teacher": s.teacher, "starts_at": _local_input(s.starts_at),
        "ends_at": _local_input(s.ends_at), "venue": s.venue, "lat": "" if s.lat is None else s.lat,
        "lon": "" if s.lon is None else s.lon, "datum": "wgs84", "radius_m": "" if s.radius_m is None else s.radius_m,
        "check_out": s.check_out, "face_check": s.face_check, **{name: getattr(s, name) for name in services.WINDOW_MINUTES},
    } for s in (activity.sessions if activity else [])]
    sessions += [{"id": "", "title": "", "teacher": "", "starts_at": "", "ends_at": "", "venue": "", "lat": "", "lon": "",
                  "datum": "wgs84", "radius_m": "", "check_out": True, "face_check": False, **services.WINDOW_MINUTES}
                 for _ in range(SPARE_SESSIONS)]
    if activity is None:
        return {"name": "", "number": "", "organiser_unit_id": None, "category_id": None, "credit_level": "",
                "credits": "", "hours": "", "min_sessions": "", "allowed_units": "", "allowed_people": "", "sessions": sessions}
    return {
        "name": activity.name, "number": activity.number, "organiser_unit_id": activity.unit_id,
        "category_id": activity.category_id, "credit_level": activity.credit_level, "credits": activity.credits,
        "hours": activity.hours, "min_sessions": activity.min_sessions or "",
        "allowed_units": "\n".join(a.unit.code for a in activity.allowed if a.unit),
        "allowed_people": "\n".join(a.person.id_number for a in activity.allowed if a.person), "sessions": sessions,
    }


def redisplay(form: MultiDict) -> dict[str, Any]:
    """What was posted, to show again beside its errors (nothing typed is lost)."""
    data = read(form)
    given = []
    n = 0
    while f"sessions-{n}-title" in form:
        given.append({name: form.get(f"sessions-{n}-{name}", "") for name in SESSION_FIELDS})
        given[-1]["check_out"] = form.get(f"sessions-{n}-check_out") == "1"
        given[-1]["face_check"] = form.get(f"sessions-{n}-face_check") == "1"
        n += 1
    return {**data, "allowed_units": form.get("allowed_units", ""), "allowed_people": form.get("allowed_people", ""),
            "min_sessions": form.get("min_sessions", ""), "sessions": given}
