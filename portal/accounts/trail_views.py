"""审计日志查询: the audit trail's search page."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts import trail
from portal.accounts.actor import current_actor
from portal.models import AuditEntry
from portal.pagination import paginate
from portal.request_args import date_arg

PER_PAGE = 50


class AuditTrailView(BaseView):
    route_base = "/audit"
    class_permission_name = "AuditTrail"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        args = request.args
        wanted = trail.Search(who=args.get("who", ""), action=args.get("action", ""), first=date_arg("from"),
                              last=date_arg("to"), record_id=args.get("record_id", type=int))
        page = paginate(trail.search(current_actor(), wanted), (AuditEntry.id.desc(),), PER_PAGE)
        units = trail.unit_names(page.rows)
        return self.render_template("portal/accounts/audit.html", title=_("Audit trail"), page=page, wanted=wanted,
                                    actions=trail.ACTIONS, accounts=trail.accounts_of(page.rows),
                                    details={e.id: trail.describe(e, units) for e in page.rows})

