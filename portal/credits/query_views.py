"""学分情况查询, the page: a person's records by date range and review status, totals over all
that match, and 导出Excel. Learners see their own; unit admins their staff's (person_id); the
provincial admin anyone's."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.credits import query as credit_query
from portal.credits.query import QueryInvalid
from portal.pagination import Page, page_number
from portal.people import services as people

PER_PAGE = 50


class CreditQueryView(BaseView):
    route_base = "/credits/query"
    class_permission_name = "CreditQuery"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        person = people.whose(actor, request.args.get("person_id"))
        statuses = [("all", _("All")), ("submitted", _("Awaiting review")), ("approved", _("Approved")),
                    ("rejected", _("Rejected")), ("draft", _("Draft"))]
        context = {"own": actor.is_person(person.id), "statuses": statuses,
                   "labels": credit_query.column_labels(), "keys": credit_query.KEYS}
        try:
            query = credit_query.parse(actor, request.args)
        except QueryInvalid as error:
            return self.render_template("portal/credits/query.html", title=_("Credit query"), error=str(error),
                                        query=credit_query.CreditQuery(person, None, None, "all"), **context)
        found = credit_query.sums(actor, query)
        sums = found.totals()
        number = page_number()
        page = Page(list(credit_query.rows(actor, query, PER_PAGE, (number - 1) * PER_PAGE)), sums.count, number, PER_PAGE)
        split = found.by_status() if query.status == "all" else []
        return self.render_template("portal/credits/query.html", title=_("Credit query"), query=query,
                                    sums=sums, split=split, page=page, error=None, **context)
