"""CME activities (继续医学教育项目/活动): organisers' activities and sessions, rotating-QR attendance,
我的二维码, the learner's attendance pages, and the credit record an activity grants."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal.menu import ATTENDANCE


def register(appbuilder: AppBuilder) -> None:
    from portal.activities import roster
    from portal.activities.api import ActivityApi, AttendanceApi
    from portal.activities.views import ActivityView, AttendanceView, CheckInView, FormerAttendanceLinks
    from portal.exports import builders

    appbuilder.add_view(ActivityView, "Activities", label=_l("CME activities"), icon="fa-chalkboard-teacher")
    appbuilder.add_view(AttendanceView, "AttendanceUpcoming", label=_l("Attendance registration"), href="/m/attendance",
                        icon="fa-calendar-check", **ATTENDANCE)
    appbuilder.add_link("AttendanceRecords", label=_l("Attendance records"), href="/m/attendance/records",
                        icon="fa-list-check", **ATTENDANCE)
    appbuilder.add_link("MyCode", label=_l("My QR code"), href="/m/my-code", icon="fa-qrcode", **ATTENDANCE)
    appbuilder.add_view_no_menu(CheckInView)
    appbuilder.add_view_no_menu(FormerAttendanceLinks)
    appbuilder.add_api(ActivityApi)
    appbuilder.add_api(AttendanceApi)
    builders.add(current_app, roster.KIND, roster.roster_table)
