"""The notice box (我的通知) and the admins' reminder page (提醒未达标人员)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import stats
from portal.notices import services
from portal.request_args import date_arg


class NoticeView(BaseView):
    route_base = "/notices"
    class_permission_name = "Notices"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        person = current_actor().person
        if person is None:
            flash(_("This account has no notice box: notices go to people."), "info")
            return redirect(self.appbuilder.get_url_for_index)
        notices = services.box(person.id)
        # Shown as unread this once; read from now on.
        response = self.render_template("portal/notices/box.html", title=_("My notices"), notices=notices,
                                        labels=services.KIND_LABELS)
        services.mark_read(person.id)
        return response


class ReminderView(BaseView):
    """A unit admin reminds their unit's staff who are behind in a year; the province a unit's, or everyone's."""

    route_base = "/notices/remind"
    class_permission_name = "Reminders"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        actor = current_actor()
        year = stats.chosen_year(request.values.get("year"))
        unit_id = request.values.get("unit_id", type=int)
        unit = stats.unit_in_scope(actor, unit_id) if (unit_id or not actor.is_province_admin) else None
        unit_ids = [unit.id] if unit else None
        if request.method == "POST":
            deadline = date_arg("deadline")
            sent = services.remind(year, unit_ids, actor, deadline)
            flash(_("Reminders sent to %(n)d people.", n=sent), "success")
            return redirect(url_for("ReminderView.index", year=year, unit_id=unit.id if unit and unit_id else None))
        return self.render_template("portal/notices/remind.html", title=_("Remind staff behind target"), year=year,
                                    years=stats.years_offered(year), unit=unit, unit_id=unit_id,
                                    behind=len(services.behind(year, unit_ids)))

