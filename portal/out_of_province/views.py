"""我的学分证书: an out-of-province learner's approved records (those that count: not replaced
by an approved correction), ticked and exported as electronic credit certificates. It is all
their role may open; the home page sends them here."""
from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import func

from portal.accounts.actor import current_actor
from portal.compliance.summaries import COUNTED
from portal.credits import query as credit_query
from portal.credits import services as credits
from portal.extensions import db
from portal.pagination import Page, page_number

PER_PAGE = 50
# The credit query's columns, less those that say the same on every row (type, status, comment).
KEYS = ("date", "number", "name", "credit_level", "discipline", "hosting_method", "hours", "credits", "unit")


class OutOfProvinceView(BaseView):
    route_base = "/out-of-province"
    class_permission_name = "OutOfProvince"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        counted = credits.visible(actor).where(COUNTED)
        total = db.session.scalar(counted.with_only_columns(func.count()).order_by(None)) or 0
        number = page_number()
        rows = list(credit_query.shown(counted, PER_PAGE, (number - 1) * PER_PAGE))
        return self.render_template(
            "portal/out_of_province/certificates.html", title=_("My credit certificates"), person=actor.person,
            page=Page(rows, total, number, PER_PAGE), keys=KEYS, labels=credit_query.column_labels(),
        )
