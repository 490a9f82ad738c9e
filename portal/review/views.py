"""学分审核: the unit admin's queue of submitted records of the unit's own staff, with filters,
a detail view with the evidence beside the fields, and approve / reject one by one or in
batches (a rejection needs a comment)."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.categories import services as categories
from portal.contracts import CLASS_LABELS
from portal.credits import records
from portal.credits.records import RecordConflict, RecordInvalid, status_label
from portal.dictionaries import services as dictionaries
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, Person
from portal.pagination import paginate

PER_PAGE = 20


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def waiting(actor) -> int:
    """How many records of the actor's unit wait for review."""
    return db.session.scalar(select(func.count(CreditRecord.id)).where(
        CreditRecord.unit_id == actor.unit_id, CreditRecord.status == "submitted")) or 0


class ReviewView(BaseView):
    route_base = "/review"
    class_permission_name = "Review"
    default_view = "queue"

    @expose("/")
    @has_access
    def queue(self):
        actor = current_actor()
        # No join in the query itself: its count then reads the (unit, status, date) index alone.
        query = select(CreditRecord).where(CreditRecord.unit_id == actor.unit_id, CreditRecord.status == "submitted")
        if person := request.args.get("person", "").strip():
            query = query.where(CreditRecord.person.has(Person.name.contains(person)))
        if category_id := request.args.get("category_id", type=int):
            query = query.where(CreditRecord.category_id == category_id)
        if level := request.args.get("credit_level", ""):
            query = query.where(CreditRecord.credit_level == level)
        if start := _date("from"):
            query = query.where(CreditRecord.activity_date >= start)
        if end := _date("to"):
            query = query.where(CreditRecord.activity_date <= end)
        page = paginate(query, (CreditRecord.submitted_at, CreditRecord.id), PER_PAGE,
                        (joinedload(CreditRecord.person, innerjoin=True), joinedload(CreditRecord.category),
                         selectinload(CreditRecord.evidence)))
        return self.render_template(
            "portal/review/queue.html", title=_("Credit review"), page=page,
            categories=db.session.scalars(select(CreditCategory).order_by(CreditCategory.position)).all(),
            levels=dictionaries.tree("credit_levels"), waiting=waiting(actor),
        )

    @expose("/<int:record_id>")
    @has_access
    def detail(self, record_id: int):
        actor = current_actor()
        record = records.get(actor, record_id)
        if record.unit_id != actor.unit_id:
            return redirect(url_for("CreditEntryView.detail", record_id=record.id))
        return self.render_template("portal/review/detail.html", title=record.activity_name, record=record,
                                    credit_type=categories.credit_type(record.category), status_label=status_label,
                                    class_labels=CLASS_LABELS)

    @expose("/decide", methods=["POST"])
    @has_access
    def decide(self):
        actor = current_actor()
        back = safe_next(request.form.get("next"), url_for("ReviewView.queue"))
        ids = [int(i) for i in request.form.getlist("record_id") if i.isdigit()]
        if not ids:
            flash(_("Tick at least one record first."), "warning")
            return redirect(back)
        chosen = [records.get(actor, i) for i in ids]
        decision = request.form.get("decision", "")
        try:
            records.review(actor, chosen, decision, request.form.get("comment", ""))
        except (RecordInvalid, RecordConflict) as e:
            flash(str(e), "danger")
            return redirect(back)
        message = (_("%(n)d records approved.", n=len(chosen)) if decision == "approve"
                   else _("%(n)d records rejected; the learners see your comment.", n=len(chosen)))
        flash(message, "success")
        return redirect(back)
