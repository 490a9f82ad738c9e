"""The review queue and the province's backlog as exports: the queue's rows matching the page's
filters (every page of them), and the backlog per unit. Who sees what is decided as on the pages."""
from __future__ import annotations

from collections.abc import Mapping

from flask import abort
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.actor import Actor
from portal.contracts import Column, Table
from portal.extensions import db
from portal.models import CreditCategory, Person, Unit
from portal.review import services as review

QUEUE = "review_queue"
BACKLOG = "review_backlog"


def queue_table(actor: Actor, params: Mapping[str, str]) -> Table:
    if not (actor.is_unit_admin or actor.is_province_admin):
        abort(404)
    matching = review.queue(actor, review.Filters.read(params)).subquery()
    query = (select(Unit.name, Person.person_no, Person.name, matching.c.activity_date, matching.c.activity_name,
                    CreditCategory.name, matching.c.credits, matching.c.hours, func.date(matching.c.submitted_at),
                    func.coalesce(User.first_name + User.last_name, ""))
             .join(Person, Person.id == matching.c.person_id).join(Unit, Unit.id == matching.c.unit_id)
             .join(CreditCategory, CreditCategory.id == matching.c.category_id)
             .outerjoin(User, User.id == matching.c.entered_by_id)
             .order_by(matching.c.submitted_at, matching.c.id))
    columns = (Column(_("Unit"), "text", 24), Column(_("Staff number"), "text", 14), Column(_("Name"), "text", 10),
               Column(_("Activity date"), "date", 12), Column(_("Activity name"), "text", 30),
               Column(_("Credit category"), "text", 20), Column(_("Credits"), "credits", 8), Column(_("Hours"), "hours", 8),
               Column(_("Submitted on"), "text", 12), Column(_("Entered by"), "text", 12))
    title = _("Records awaiting review")
    return Table(title=title, filename=title, columns=columns,
                 expected_rows=db.session.scalar(select(func.count()).select_from(matching)),
                 rows=(tuple(row) for row in db.session.execute(query)))


def backlog_table(actor: Actor, params: Mapping[str, str]) -> Table:
    if not actor.is_province_admin:
        abort(404)
    rows = review.backlog(params.get("sort", "count"), params.get("years") == review.EARLIER)
    columns = (Column(_("Unit code"), "text", 14), Column(_("Unit"), "text", 30), Column(_("Waiting"), "integer", 10),
               Column(_("Waiting since"), "date", 14))
    title = _("Review backlog by unit")
    return Table(title=title, filename=title, columns=columns, expected_rows=len(rows),
                 rows=((r.code, r.name, r.pending, r.oldest.date() if r.oldest else None) for r in rows))
