"""The learner's credit pages: 学分录入 (free form and wizard), 录入学分查询管理, a record's
detail with its evidence and audit trail, and the evidence files themselves. Entering credits
needs the unit's self-entry permission; without it the pages say so."""
from __future__ import annotations

import secrets
from functools import cache

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select

from portal import idempotency
from portal.accounts.actor import current_actor
from portal.categories import services as categories
from portal.compliance import stats
from portal.contracts import CLASS_LABELS, Entry
from portal.credits import attachments, audit, history, reviewers, services
from portal.credits import entry as entries
from portal.credits.forms import FreeFormFields, WizardFields, entry_fields
from portal.credits.services import RecordConflict, RecordInvalid, status_label
from portal.evidence import downloads, evidence_store
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person, Unit
from portal.pagination import Listing
from portal.people import services as people

PER_PAGE = 20
ACTIONS = {"create": _l("Created"), "edit": _l("Edited"), "submit": _l("Submitted"), "approve": _l("Approved"),
           "reject": _l("Rejected"), "delete": _l("Deleted"), "withdraw": _l("Withdrawn"), "evidence_add": _l("Evidence added"),
           "evidence_remove": _l("Evidence removed"), "proxy_create": _l("Entered on the person's behalf")}
ENTRY_FORM = "form:credit-entry"
ROLES = {"learner": _l("Learner"), "unit_admin": _l("Unit admin"), "province_admin": _l("Provincial admin")}
# 我录入的学分's ?year= for every year.
ALL_YEARS = "all"


@cache
def _mine_listing(every_year: bool) -> Listing:
    """录入学分查询管理's statements: the person's own records (bound: person_id), of the credit year
    bound as ``year`` or of every year."""
    query = services.own()
    if not every_year:
        query = query.where(CreditRecord.of_years(bindparam("year"), bindparam("year")))
    return Listing.of(query, (CreditRecord.activity_date.desc(), CreditRecord.id.desc()), shown=_mine_rows)


def _mine_rows(page: Select) -> Select:
    """What a row of 录入学分查询管理 shows, of the records of ``page``."""
    return (page.with_only_columns(CreditRecord.id, CreditRecord.activity_date, CreditRecord.activity_name,
                                   CreditCategory.name.label("category_name"), CreditRecord.credits, CreditRecord.hours,
                                   CreditRecord.status, CreditRecord.review_comment)
            .join(CreditCategory, CreditCategory.id == CreditRecord.category_id))


class CreditEntryView(BaseView):
    route_base = "/credits"
    class_permission_name = "CreditEntry"
    default_view = "mine"

    # --- entering ---------------------------------------------------------------------------

    @expose("/new/free", methods=["GET", "POST"])
    @has_access
    def free_form(self):
        subject = self._on_behalf_of()
        if subject is None and (refusal := self._needs_permission()) is not None:
            return refusal
        choices = categories.offering(Entry.FORM)
        if not choices:
            abort(404)
        chosen = request.args.get("category", type=int)
        category = choices[0] if chosen is None else next((c for c in choices if c.id == chosen), None)
        if category is None:
            abort(404)
        return self._entry(entries.build(FreeFormFields, category, None), None, _("Enter credits (free form)"),
                           choices=choices, subject=subject)

    @expose("/wizard")
    @has_access
    def wizard(self):
        subject = self._on_behalf_of()
        if subject is None and (refusal := self._needs_permission()) is not None:
            return refusal
        choices = [c for c in categories.offering(Entry.WIZARD) if categories.wizard(c)]
        # Choosing the rule again for a record being edited (?record=): its category, its edit page.
        record_id = request.args.get("record", type=int)
        record = services.get_own(current_actor(), record_id) if record_id is not None else None
        chosen = record.category_id if record else request.args.get("category", type=int)
        category = next((c for c in choices if c.id == chosen), None)
        groups = categories.wizard(category) if category else []
        group_index = request.args.get("group", type=int)
        group = groups[group_index] if group_index is not None and 0 <= group_index < len(groups) else None
        return self.render_template("portal/credits/wizard.html", title=_("Enter credits (wizard)"),
                                    choices=choices, category=category, groups=groups, group=group, group_index=group_index,
                                    record=record, subject=subject)

    @expose("/new/<int:category_id>", methods=["GET", "POST"])
    @has_access
    def wizard_entry(self, category_id: int):
        subject = self._on_behalf_of()
        if subject is None and (refusal := self._needs_permission()) is not None:
            return refusal
        category = next((c for c in categories.enabled() if c.id == category_id), None)
        if category is None:
            abort(404)
        entry = entries.build(WizardFields, category, None, request.args.get("rule", ""))
        if entry.rule is None:
            return redirect(url_for("CreditEntryView.wizard", category=category.id, person_id=subject.id if subject else None))
        return self._entry(entry, None, _("Enter credits (wizard)"), subject=subject)

    @expose("/<int:record_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, record_id: int):
        actor = current_actor()
        record = services.get_own(actor, record_id)
        if (refusal := self._needs_permission(record)) is not None:
            return refusal
        if record.status not in services.EDITABLE:
            flash(_("A record that is %(status)s cannot be changed.", status=status_label(record.status)), "warning")
            return redirect(url_for("CreditEntryView.detail", record_id=record.id))
        # A wizard record's rule (a member's rank ...) may be chosen again: the wizard sends ?rule=.
        entry = entries.build(entry_fields(bool(record.wizard_rule)), record.category, record,
                              request.args.get("rule") or record.wizard_rule if record.wizard_rule else "")
        return self._entry(entry, record, _("Edit credit record"))

    def _entry(self, entry: entries.EntryForm, record: CreditRecord | None, title: str,
               choices: list[CreditCategory] = (), subject: Person | None = None):
        """The entry page; ``choices`` are the free form's categories, offered when there are several;
        ``subject``: the person an admin enters a new record for (代录)."""
        actor = current_actor()
        # A new record's form carries a one-time token: the same form posted again (a double
        # click, a resend after a timeout) lands on the record its first post made.
        form_token = request.form.get("form_token", "")[:idempotency.MAX_KEY] or secrets.token_urlsafe(16)
        if request.method == "POST":
            attachments.forget_stale_pending()
            if record is None and request.form.get("form_token"):
                earlier = idempotency.claim(ENTRY_FORM, form_token, "")
                if earlier is not None:
                    flash(_("This form was already saved: here is the record it made."), "info")
                    return redirect(url_for("CreditEntryView.detail", record_id=int(earlier.body)))
            try:
                saved, problem = entries.save(actor, entry, record, submit=request.form.get("action") == "submit",
                                              person=subject)
            except BaseException:
                if record is None and request.form.get("form_token"):
                    idempotency.give_up(ENTRY_FORM, form_token)
                raise
            if record is None and request.form.get("form_token"):
                if saved is None:  # sent back with errors: the corrected form may use the token
                    idempotency.give_up(ENTRY_FORM, form_token)
                else:
                    idempotency.finish(ENTRY_FORM, form_token, 303, str(saved.id))
            if saved is not None:
                if problem:
                    flash(problem, "warning")
                    return redirect(url_for("CreditEntryView.edit", record_id=saved.id))
                flash(_("Submitted for review.") if request.form.get("action") == "submit" else _("Saved as a draft."), "success")
                if services.entered_by(actor, saved):
                    return redirect(url_for("CreditEntryView.detail", record_id=saved.id))
                return redirect(url_for("CreditEntryView.mine", year=saved.activity_date.year))
        issuing_unit = db.session.get(Unit, entry.common.issuing_unit_id.data) if entry.common.issuing_unit_id.data else None
        return self.render_template("portal/credits/entry.html", title=title, entry=entry, record=record,
                                    issuing_unit=issuing_unit, prefix=entries.TYPE_PREFIX, choices=choices,
                                    form_token=form_token, class_labels=CLASS_LABELS,
                                    subject=subject or (record.person if record is not None and services.entered_by(actor, record)
                                                        else None))

    # --- my records -------------------------------------------------------------------------

    @expose("/mine")
    @has_access
    def mine(self):
        if (refusal := self._needs_permission()) is not None:
            return refusal
        actor = current_actor()
        # One year at a time (this year unless another is chosen), so PostgreSQL reads that year's
        # partition; every year only when asked for.
        every_year = request.args.get("year") == ALL_YEARS
        year = None if every_year else stats.chosen_year(request.args.get("year"))
        page = _mine_listing(every_year).read(PER_PAGE, {"person_id": actor.person.id, "year": year})
        years = stats.years_offered(year or stats.chosen_year(None), stats.first_record_year(actor.person.id))
        return self.render_template("portal/credits/mine.html", title=_("My entered credits"), page=page, year=year,
                                    years=years, all_years=ALL_YEARS)

    @expose("/submit", methods=["POST"])
    @has_access
    def submit(self):
        if (refusal := self._needs_permission()) is not None:
            return refusal
        actor = current_actor()
        ids = [int(i) for i in request.form.getlist("record_id") if i.isdigit()]
        chosen = [services.get_own(actor, i) for i in ids]
        if not chosen:
            flash(_("Tick at least one draft first."), "warning")
        else:
            try:
                done = services.submit(actor, chosen)
                flash(_("%(n)d records submitted for review.", n=len(done)), "success")
            except (RecordInvalid, RecordConflict) as e:
                flash(str(e), "danger")
        return redirect(url_for("CreditEntryView.mine", year=request.form.get("year") or None))

    @expose("/<int:record_id>/correct", methods=["POST"])
    @has_access
    def correct(self, record_id: int):
        actor = current_actor()
        record = services.get_own(actor, record_id)
        if (refusal := self._needs_permission(record)) is not None:
            return refusal
        try:
            correction = services.correct(actor, record)
        except (RecordInvalid, RecordConflict) as e:
            flash(str(e), "danger")
            return redirect(url_for("CreditEntryView.detail", record_id=record.id))
        flash(_("A correction draft was made: change what is wrong and submit it. The approved record stays as it is "
                "until the correction is approved."), "info")
        return redirect(url_for("CreditEntryView.edit", record_id=correction.id))

    @expose("/<int:record_id>/delete", methods=["POST"])
    @has_access
    def delete(self, record_id: int):
        return self._take_back(record_id, services.delete, _("The record was deleted."))

    @expose("/<int:record_id>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, record_id: int):
        return self._take_back(record_id, services.withdraw, _("The record was withdrawn before review."))

    def _take_back(self, record_id: int, take_back, done: str):
        actor = current_actor()
        record = services.get_own(actor, record_id)
        if (refusal := self._needs_permission(record)) is not None:
            return refusal
        try:
            take_back(actor, record, request.form.get("version", type=int))
        except RecordConflict as e:
            flash(str(e), "danger")
            return redirect(url_for("CreditEntryView.detail", record_id=record.id))
        flash(done, "success")
        if services.entered_by(actor, record):
            return redirect(url_for("PeopleView.detail", person_id=record.person_id))
        return redirect(url_for("CreditEntryView.mine", year=record.activity_date.year))

    # --- one record and its evidence --------------------------------------------------------

    @expose("/<int:record_id>")
    @has_access
    def detail(self, record_id: int):
        actor = current_actor()
        record = services.get(actor, record_id)
        trail, users = audit.trail(record)
        credit_type = categories.credit_type(record.category)
        return self.render_template(
            "portal/credits/detail.html", title=record.activity_name, record=record, trail=trail, users=users,
            status_label=status_label, credit_type=credit_type, actions=ACTIONS, roles=ROLES,
            wording=history.Wording(credit_type), own=actor.is_person(record.person_id) or services.entered_by(actor, record),
            certificate=record.certificate,
            unit_reviewers=reviewers.unit_reviewers(record) if record.status == "submitted" else [],
        )

    @expose("/<int:record_id>/evidence/<int:file_id>/remove", methods=["POST"])
    @has_access
    def remove_evidence(self, record_id: int, file_id: int):
        actor = current_actor()
        record = services.get_own(actor, record_id)
        if (refusal := self._needs_permission(record)) is not None:
            return refusal
        try:
            attachments.remove(actor, record, file_id)
            flash(_("The file was removed."), "success")
        except RecordConflict as e:
            flash(str(e), "danger")
        return redirect(url_for("CreditEntryView.edit", record_id=record.id))

    @expose("/evidence/<int:file_id>")
    @has_access
    def evidence_file(self, file_id: int):
        file = attachments.find(current_actor(), file_id)
        try:
            stored = evidence_store().open(file.stored_name)
        except FileNotFoundError:
            return self._evidence_missing(file)
        return downloads.send(stored, file.media_type, file.original_name, file.stored_name.rpartition(".")[2])

    @expose("/evidence/<int:file_id>/thumbnail")
    @has_access
    def evidence_thumbnail(self, file_id: int):
        file = attachments.find(current_actor(), file_id)
        try:
            thumbnail = evidence_store().thumbnail(file.stored_name)
        except FileNotFoundError:
            return self._evidence_missing(file)
        if thumbnail is None:
            abort(404)
        response = current_app.response_class(thumbnail, mimetype="image/jpeg")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    def _on_behalf_of(self) -> Person | None:
        """For an entry on someone's behalf (代录, ``?person_id=``): that person, whom a unit admin
        finds among the unit's staff and the provincial admin anywhere (anyone else: 404)."""
        person_id = request.args.get("person_id")
        if not person_id:
            return None
        actor = current_actor()
        person = people.whose(actor, person_id)
        if not services.may_enter_for(actor, person):
            abort(404)
        return person

    def _evidence_missing(self, file: EvidenceFile):
        """404 in words when a row's file is gone (a database restored without its instance folder)."""
        current_app.logger.warning("evidence file %s (row %d) is missing: restore it from a backup",
                                   file.stored_name, file.id)
        return self.render_template("portal/evidence/missing.html", title=_("Evidence file missing"), file=file), 404

    @expose("/units")
    @has_access
    def units(self):
        """Issuing bodies matching ``q``, for the picker (at most 20)."""
        q = (request.args.get("q") or "").strip()
        query = select(Unit.id, Unit.name).order_by(Unit.code).limit(20)
        if q:
            query = query.where(Unit.name.contains(q) | (Unit.code == q))
        return jsonify(results=[{"id": i, "text": name} for i, name in db.session.execute(query)])

    def _needs_permission(self, record: CreditRecord | None = None):
        """The page that explains how to get self-entry, for someone without it; else None. The
        admin who entered ``record`` on its person's behalf (代录) needs no self-entry to change it."""
        actor = current_actor()
        if actor.person is not None and actor.can_self_enter:
            return None
        if record is not None and services.entered_by(actor, record):
            return None
        return self.render_template("portal/credits/no_permission.html", title=_("Credit entry")), 403
