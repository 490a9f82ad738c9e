"""学分审核: the queue of submitted records (a unit admin's staff; for the province every unit, by
city/county/unit, category and age), with filters, a detail view with the evidence beside the
fields, approve / reject one by one, ticked, or the whole selection, and the province's per-unit
backlog."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from portal.accounts.actor import Actor, current_actor
from portal.accounts.redirects import safe_next
from portal.categories import services as categories
from portal.compliance import stats
from portal.contracts import CLASS_LABELS
from portal.credits import reviewers
from portal.credits import services as credits
from portal.credits.services import RecordConflict, RecordInvalid, status_label
from portal.dictionaries import services as dictionaries
from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person, Unit
from portal.models.units import UNIT_KINDS
from portal.pagination import paginate
from portal.review import exports
from portal.review import services as review

PER_PAGE = 20
# The filters a whole selection carries from the page to the action (review.Filters.read).
FILTER_NAMES = ("person", "category_id", "credit_level", "from", "to", "unit_id", "older_than", "province_only", "years")


def _queue_rows(page: Select) -> Select:
    """What a row of the queue shows, of the records of ``page`` (columns, not the records with
    their person, unit, category, enterer and files as objects: a seventh of the page's work)."""
    files = (select(func.count()).where(EvidenceFile.record_id == CreditRecord.id)
             .correlate(CreditRecord).scalar_subquery())
    return (page.with_only_columns(CreditRecord.id, CreditRecord.version, CreditRecord.credit_year,
                                   CreditRecord.activity_date, CreditRecord.activity_name, CreditRecord.credits,
                                   CreditRecord.hours, Person.name.label("person_name"), Unit.name.label("unit_name"),
                                   CreditCategory.name.label("category_name"),
                                   User.first_name.label("entered_by_name"), files.label("evidence_count"))
            .join(Person, Person.id == CreditRecord.person_id).join(Unit, Unit.id == CreditRecord.unit_id)
            .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
            .outerjoin(User, User.id == CreditRecord.entered_by_id))


def _waiting(actor: Actor, filters: review.Filters, listed: int) -> int:
    """How many wait for the actor: for a unit admin's unfiltered queue, the queue's own count
    (the same records; a big unit's queue is not counted twice), else counted apart."""
    if not actor.is_province_admin and replace(filters, earlier=False) == review.Filters():
        return listed
    return review.waiting(actor, filters.earlier)


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
        filters = review.Filters.read(args)
        page = paginate(review.queue(actor, filters), (CreditRecord.submitted_at, CreditRecord.id), PER_PAGE,
                        shown=_queue_rows)
        return self.render_template(
            "portal/review/queue.html", title=_("Credit review"), page=page,
            categories=categories.everything(), levels=dictionaries.tree("credit_levels"),
            waiting=_waiting(actor, filters, page.total), args=args, here=here, duplicates=credits.duplicates_of(page.rows),
            # Nothing waits unseen: the recent years' queue says how many wait in earlier ones.
            earlier=0 if filters.earlier else review.waiting(actor, earlier=True), earlier_value=review.EARLIER,
            province=actor.is_province_admin, units=stats.units() if actor.is_province_admin else [],
            mark=review.selection_mark(), filter_names=FILTER_NAMES, export_kind=exports.QUEUE, unit_kinds=UNIT_KINDS,
        )

    @expose("/backlog")
    @has_access
    def backlog(self):
        """The province's backlog: per unit, how many records wait and since when."""
        if not current_actor().is_province_admin:
            abort(404)
        sort = request.args.get("sort", "count")
        earlier = request.args.get("years") == review.EARLIER
        return self.render_template("portal/review/backlog.html", title=_("Review backlog by unit"),
                                    rows=review.backlog(sort, earlier), sort=sort, export_kind=exports.BACKLOG,
                                    years=review.EARLIER if earlier else "",
                                    earlier=0 if earlier else review.waiting_earlier())

    @expose("/<int:record_id>")
    @has_access
    def detail(self, record_id: int):
        actor = current_actor()
        record = credits.get(actor, record_id)
        if not reviewers.may_decide(actor, record):
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
        if request.form.get("all_matching") == "1":
            return self._decide_matching(actor, back)
        ids = [int(i) for i in request.form.getlist("record_id") if i.isdigit()]
        if not ids:
            flash(_("Tick at least one record first."), "warning")
            return redirect(back)
        chosen = credits.get_many(actor, ids)
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
            if len(chosen) == 1 and reviewers.may_decide(actor, chosen[0]):
                return self._detail(chosen[0]), 409
            return self._queue(MultiDict(parse_qsl(urlsplit(back).query)), back), 409
        message = (_("%(n)d records approved.", n=len(chosen)) if decision == "approve"
                   else _("%(n)d records rejected; the learners see your comment.", n=len(chosen)))
        flash(message, "success")
        return redirect(back)

    def _decide_matching(self, actor, back: str):
        """审核通过 for the whole selection: every record matching the filters, on every page,
        unchanged since the page showed it (``mark``). Rejections need a comment per record."""
        mark = request.form.get("mark", type=int)
        if request.form.get("decision") != "approve":
            flash(_("A whole selection can only be approved; reject records one by one, saying why."), "warning")
            return redirect(back)
        if mark is None:
            flash(_("Open the queue again and choose the selection anew."), "warning")
            return redirect(back)
        report = review.approve_matching(actor, review.Filters.read(request.form), mark)
        parts = [_("%(n)d records approved.", n=report.approved)]
        if report.changed:
            parts.append(_("%(n)d skipped: changed or submitted after you made the selection; look at them again.",
                           n=report.changed))
        if report.decided:
            parts.append(_("%(n)d skipped: decided or withdrawn meanwhile.", n=report.decided))
        if report.not_allowed:
            parts.append(_("%(n)d skipped: you may not review them (your own, or entered by you).", n=report.not_allowed))
        flash(" ".join(parts), "success" if report.approved else "info")
        return redirect(back)
