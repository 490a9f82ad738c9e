"""学分审核: the unit admin's queue of submitted records of the unit's own staff, with filters,
a detail view with the evidence beside the fields, and approve / reject one by one or in
batches (a rejection needs a comment)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.categories import services as categories
from portal.contracts import CLASS_LABELS
from portal.credits import services as credits
from portal.credits.services import RecordConflict, RecordInvalid, status_label
from portal.dictionaries import services as dictionaries
from portal.models import CreditRecord
from portal.pagination import paginate
from portal.request_args import date_arg
from portal.review import services as review

PER_PAGE = 20


class ReviewView(BaseView):
    route_base = "/review"
    class_permission_name = "Review"
    default_view = "queue"

    @expose("/")
    @has_access
    def queue(self):
        return self._queue(request.args, request.full_path)

    def _queue(self, args: MultiDict, here: str):
        actor = current_actor()
        query = review.queue(actor, person=args.get("person", "").strip(), category_id=args.get("category_id", type=int),
                             credit_level=args.get("credit_level", ""), start=date_arg("from", args), end=date_arg("to", args))
        page = paginate(query, (CreditRecord.submitted_at, CreditRecord.id), PER_PAGE,
                        (joinedload(CreditRecord.person, innerjoin=True), joinedload(CreditRecord.category),
                         selectinload(CreditRecord.evidence)))
        return self.render_template(
            "portal/review/queue.html", title=_("Credit review"), page=page,
            categories=categories.everything(), levels=dictionaries.tree("credit_levels"),
            waiting=review.waiting(actor), args=args, here=here, duplicates=credits.duplicates_of(page.rows),
        )

    @expose("/<int:record_id>")
    @has_access
    def detail(self, record_id: int):
        actor = current_actor()
        record = credits.get(actor, record_id)
        if record.unit_id != actor.unit_id:
            return redirect(url_for("CreditEntryView.detail", record_id=record.id))
        return self._detail(record)

    def _detail(self, record: CreditRecord):
        return self.render_template("portal/review/detail.html", title=record.activity_name, record=record,
                                    credit_type=categories.credit_type(record.category), status_label=status_label,
                                    class_labels=CLASS_LABELS, duplicate_of=credits.duplicates_of([record]).get(record.id))

    @expose("/decide", methods=["POST"])
    @has_access
    def decide(self):
        actor = current_actor()
        back = safe_next(request.form.get("next"), url_for("ReviewView.queue"))
        ids = [int(i) for i in request.form.getlist("record_id") if i.isdigit()]
        if not ids:
            flash(_("Tick at least one record first."), "warning")
            return redirect(back)
        chosen = [credits.get(actor, i) for i in ids]
        seen = {i: request.form.get(f"version-{i}", type=int) for i in ids}
        decision = request.form.get("decision", "")
        try:
            review.decide(actor, chosen, decision, request.form.get("comment", ""), seen)
        except RecordInvalid as e:
            flash(str(e), "danger")
            return redirect(back)
        except RecordConflict as e:
            # Nothing was decided: the reviewer gets the page again with what the records hold now.
            flash(str(e), "danger")
            if len(chosen) == 1 and chosen[0].unit_id == actor.unit_id:
                return self._detail(chosen[0]), 409
            return self._queue(MultiDict(parse_qsl(urlsplit(back).query)), back), 409
        message = (_("%(n)d records approved.", n=len(chosen)) if decision == "approve"
                   else _("%(n)d records rejected; the learners see your comment.", n=len(chosen)))
        flash(message, "success")
        return redirect(back)
