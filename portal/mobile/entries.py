"""学员入口: the app's entries, as data, in the order the home screen's grid shows them. An entry
is one line; ``staff_only`` leaves it out for out-of-province learners, who are judged by no
province year and enter no records here.
Plugins add entries after these (register_app_entries). 考勤登记, 考勤记录查询 and 我的二维码 are the activities'
pages (portal/activities), open to everyone who attends."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts.actor import Actor


@dataclass(frozen=True)
class Entry:
    label: str
    endpoint: str
    icon: str  # a symbol of templates/portal/mobile/_icons.svg
    staff_only: bool = False


ENTRIES = (
    Entry(_l("Profile"), "MobileView.profile", "person"),
    Entry(_l("Credit query"), "MobileView.credits", "list", staff_only=True),
    Entry(_l("Compliance query"), "MobileView.compliance", "target", staff_only=True),
    Entry(_l("My certificates"), "MobileView.certificates", "award"),
    Entry(_l("Attendance registration"), "AttendanceView.upcoming", "calendar"),
    Entry(_l("Attendance records"), "AttendanceView.records", "history"),
    Entry(_l("My QR code"), "AttendanceView.my_code", "qr"),
)


def shown(actor: Actor) -> list[Entry]:
    """The entries this actor's grid shows: none without a person of their own (the provincial admin)."""
    if actor.person is None:
        return []
    core = [e for e in ENTRIES if not (e.staff_only and actor.is_out_of_province)]
    added = current_app.extensions["portal"].pm.hook.register_app_entries()
    return core + [Entry(e.label, e.endpoint, e.icon) for entries in added for e in entries]


def allowed(actor: Actor, endpoint: str) -> bool:
    return any(e.endpoint == endpoint for e in shown(actor))
