"""Pages about people: the learner's own profile (个人资料) and the admins' staff pages
(人员管理 for a unit admin, the province-wide search for the provincial admin)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.contracts import FACE_STORE
from portal.faces import services as faces
from portal.jsonapi import answer
from portal.people import photos, recovery, services
from portal.people.forms import CreatePersonForm, RecoveryForm, SelfServiceForm, StaffEditForm, YearCorrectionForm
from portal.people.masking import mask_id_number, mask_phone
from portal.people.present import history_rows, person_dict
from portal.people.services import PersonConflict


class ProfileView(BaseView):
    route_base = "/profile"
    class_permission_name = "Profile"
    default_view = "show"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def show(self):
        person = current_actor().person
        if person is None:  # a provincial admin's account belongs to no unit's staff
            flash(_("This account has no personal profile."), "info")
            return redirect(self.appbuilder.get_url_for_index)
        form = SelfServiceForm(obj=person)
        # The photo is no field of the form (WTForms recomputes ``form.errors`` on each read).
        photo_errors = []
        if form.validate_on_submit():
            upload = request.files.get("photo")
            try:
                if upload and upload.filename:
                    person.photo = photos.store(upload.read(), person.photo)
            except photos.PhotoRejected as e:
                photo_errors.append(str(e))
            else:
                services.update_own(person, form.data)
                flash(_("Your profile was saved."), "success")
                return redirect(url_for("ProfileView.show"))
        return self.render_template(
            "portal/people/profile.html", title=_("My profile"), person=person_dict(person, unmasked=True),
            history=history_rows(person), form=form, photo=person.photo, photo_errors=photo_errors,
        )

    @expose("/photo")
    @has_access
    def photo(self):
        person = current_actor().person
        if person is None or not person.photo:
            abort(404)
        return send_file(photos.path_of(person.photo), mimetype="image/jpeg", max_age=0)


class PeopleView(BaseView):
    route_base = "/people"
    class_permission_name = "People"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        unit_id = request.args.get("unit_id", type=int)
        role = request.args.get("role") or None
        page = services.search(actor, request.args.get("q", ""), unit_id, role, request.args.get("page", 1, type=int))
        return self.render_template(
            "portal/people/list.html", title=_("Staff") if not actor.is_province_admin else _("People search"),
            page=page, actor=actor, units=services.units_for(actor) if actor.is_province_admin else [],
        )

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        actor = current_actor()
        form = self._form(CreatePersonForm, actor)
        if form.validate_on_submit():
            try:
                person, password = services.create(actor, form.data)
            except PersonConflict as e:
                getattr(form, e.field).errors.append(str(e))
            else:
                if password is None:
                    flash(_("%(name)s is registered as an out-of-province learner and signs in with an SMS code.",
                            name=person.name), "success")
                    return redirect(url_for("PeopleView.detail", person_id=person.id))
                return self.render_template(
                    "portal/people/initial_password.html", title=_("Account created"), person=person, password=password,
                )
        return self.render_template("portal/people/form.html", title=_("New staff member"), form=form, actor=actor, person=None)

    @expose("/<int:person_id>")
    @has_access
    def detail(self, person_id: int):
        actor = current_actor()
        return detail_page(self, actor, services.get(actor, person_id))

    @expose("/<int:person_id>/face-reset", methods=["POST"])
    @has_access
    def face_reset(self, person_id: int):
        """人脸建档 reset by the person's own unit admin (with the face plugin on), audited."""
        if not faces.offered() or not current_app.extensions[FACE_STORE].reset(person_id):
            abort(404)
        flash(_("The face enrollment was reset: the person may enroll again."), "success")
        return redirect(url_for("PeopleView.detail", person_id=person_id))

    @expose("/<int:person_id>/years", methods=["POST"])
    @has_access
    def correct_year(self, person_id: int):
        """The provincial admin corrects one past year's standing (history row with name and reason)."""
        actor = current_actor()
        if not actor.is_province_admin:
            abort(403)
        person = services.get(actor, person_id)
        form = year_correction_form(actor)
        if form.validate_on_submit():
            try:
                services.correct_year(actor, person, form.year.data, form.data)
            except services.YearCorrection as e:
                flash(str(e), "danger")
            else:
                flash(_("The standing of %(year)d is corrected.", year=form.year.data), "success")
        else:
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "danger")
        return redirect(url_for("PeopleView.detail", person_id=person.id))

    @expose("/<int:person_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, person_id: int):
        actor = current_actor()
        person = services.managed(actor, person_id)
        # Admins see the ID and contact numbers masked: the form shows them so and leaves them empty,
        # meaning unchanged.
        form = self._form(StaffEditForm, actor, obj=person)
        masked = {"id_number": mask_id_number(person.id_number), "mobile": mask_phone(person.mobile),
                  "phone": mask_phone(person.phone)}
        for name, shown in masked.items():
            form[name].render_kw = {"placeholder": shown} if shown else None
        if request.method == "GET":
            for name in masked:
                form[name].data = ""
            if actor.is_province_admin:
                form.role.data = services.role_of(person)
        if form.validate_on_submit():
            try:
                services.update(actor, person, form.data)
            except PersonConflict as e:
                getattr(form, e.field).errors.append(str(e))
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("PeopleView.detail", person_id=person.id))
        return self.render_template("portal/people/form.html", title=_("Edit %(name)s", name=person.name), form=form,
                                    actor=actor, person=person)

    @expose("/self-entry", methods=["POST"])
    @has_access
    def self_entry(self):
        granted = request.form.get("grant") == "1"
        ids = [int(i) for i in request.form.getlist("person_id") if i.isdigit()]
        everyone = request.form.get("all_matching") == "1"
        if not ids and not everyone:
            flash(_("Tick at least one person first."), "warning")
        else:
            change = (services.set_self_entry_matching(current_actor(), request.form.get("q", ""),
                                                       request.form.get("unit_id", type=int),
                                                       request.form.get("role") or None, granted) if everyone
                      else services.set_self_entry(current_actor(), ids, granted))
            parts = [_("Self-entry granted to %(n)d people.", n=change.changed) if granted
                     else _("Self-entry revoked for %(n)d people.", n=change.changed)]
            if change.already:
                parts.append(_("%(n)d already had it.", n=change.already) if granted
                             else _("%(n)d did not have it.", n=change.already))
            if change.out_of_province:
                parts.append(_("%(n)d out-of-province learners skipped: their credits come from projects.",
                               n=change.out_of_province))
            if change.beyond_grant:
                parts.append(_("%(n)d skipped: admin accounts are changed by the province.", n=change.beyond_grant))
            if change.not_found:
                parts.append(_("%(n)d skipped: not among your staff.", n=change.not_found))
            flash(" ".join(parts), "success" if change.changed else "info")
        return redirect(safe_next(request.form.get("next"), url_for("PeopleView.index")))

    @expose("/<int:person_id>/reset-password", methods=["POST"])
    @has_access
    def reset_password(self, person_id: int):
        actor = current_actor()
        person = services.managed(actor, person_id)
        if person.out_of_province:
            flash(_("Out-of-province learners have no password: they sign in with an SMS code."), "warning")
            return redirect(url_for("PeopleView.detail", person_id=person.id))
        password = services.reset_password(actor, person)
        return self.render_template("portal/people/initial_password.html", title=_("Password reset"), person=person,
                                    password=password)

    @expose("/<int:person_id>/photo")
    @has_access
    def photo(self, person_id: int):
        person = services.get(current_actor(), person_id)
        if not person.photo:
            abort(404)
        return send_file(photos.path_of(person.photo), mimetype="image/jpeg", max_age=0)

    @staticmethod
    def _form(form_class, actor, obj=None):
        form = form_class(obj=obj)
        if actor.is_province_admin:
            form.unit_id.choices = [(u.id, f"{u.name}（{u.code}）") for u in services.units_for(actor)]
        else:
            del form.unit_id
            del form.role
            del form.out_of_province
        return form



class PersonalDataView(BaseView):
    """揭示完整信息: an admin's explicit, audited request for one person's full ID or phone
    number, which every other page masks. POST only (with the CSRF token), limited per hour."""

    route_base = "/people"
    class_permission_name = "People"

    @expose("/<int:person_id>/reveal/<field>", methods=["POST"])
    @has_access
    def reveal(self, person_id: int, field: str):
        actor = current_actor()
        try:
            value = services.reveal(actor, person_id, field)
        except services.TooManyReveals:
            abort(429)
        if request.accept_mimetypes.best == "application/json":  # the page's button, through fetch
            return answer(200, field=field, value=value)
        return detail_page(self, actor, services.get(actor, person_id), revealed={field: value})


def detail_page(view: BaseView, actor, person, revealed: dict[str, str] | None = None):
    """A person's page as admins see it: masked, each masked value with its reveal button, and
    what was just revealed (a reveal without JavaScript answers with this page)."""
    return view.render_template(
        "portal/people/detail.html", title=person.name,
        person={**person_dict(person, unmasked=False), **(revealed or {})}, history=history_rows(person),
        photo=person.photo, manageable=services.may_manage_account(actor, person), revealable=services.REVEALABLE,
        correction=year_correction_form(actor, person) if actor.is_province_admin else None,
        # 代录: the admin may enter credits for anyone they see here but themselves.
        on_behalf=not actor.is_person(person.id),
        face_enrolled=faces.offered() and actor.is_unit_admin and person.unit_id == actor.unit_id
        and faces.enrolled(person.id),
    )


def pick_person(_error):
    """For PersonNeeded: on a page, a search for the person the page should show (each match links
    back to the same page with its person_id); on the API, 400 naming the missing parameter."""
    if request.path.startswith("/api/"):
        return answer(400, code="person_id_required", message=_("Name the person: person_id is required."))
    actor, q = current_actor(), request.args.get("q", "").strip()
    page = services.search(actor, q, page=request.args.get("page", 1, type=int)) if q else None
    kept = {k: v for k, v in request.args.items() if k not in ("q", "page", "person_id")}
    links = {r.id: url_for(request.endpoint, **(request.view_args or {}), **kept, person_id=r.id)
             for r in (page.rows if page else [])}
    appbuilder = current_app.appbuilder
    return render_template("portal/people/pick.html", base_template=appbuilder.base_template, appbuilder=appbuilder,
                           title=_("Whose credits?"), page=page, q=q, links=links)


class RecoveryView(BaseView):
    """找回账户密码, linked from the login page: open to anyone, limited per address like the SMS login."""

    route_base = "/account/recover"
    default_view = "recover"

    @expose("/", methods=["GET", "POST"])
    def recover(self):
        form = RecoveryForm()
        notice = None
        if form.validate_on_submit():
            try:
                if request.form.get("action") == "send":
                    notice = recovery.request_code(form.id_number.data, form.phone.data)
                elif not form.code.data:
                    form.code.errors.append(_("Enter the 6-digit code from the SMS."))
                elif not form.new_password.data:
                    form.new_password.errors.append(_("Enter a new password."))
                else:
                    problems, username = recovery.reset(form.id_number.data, form.phone.data, form.code.data,
                                                        form.new_password.data)
                    if not problems:
                        flash(_("Your password was changed; sign in with it. Your username is %(username)s.",
                                username=username), "success")
                        return redirect(url_for("PortalAuthDBView.login"))
                    (form.code if problems == [str(recovery.REFUSED)] else form.new_password).errors.extend(problems)
            except recovery.InvalidInput as e:
                getattr(form, e.field).errors.append(str(e))
        form.code.data = ""
        return self.render_template("portal/people/recover.html", title=_("Recover account password"), form=form,
                                    notice=notice)


def year_correction_form(actor, person=None) -> YearCorrectionForm:
    """The form with the units the actor may choose; for ``person``, filled with their standing now."""
    form = YearCorrectionForm()
    form.unit_id.choices = [(u.id, f"{u.name}（{u.code}）") for u in services.units_for(actor)]
    if person is not None and not form.is_submitted():
        form.unit_id.data, form.title.data, form.title_level.data = person.unit_id, person.title, person.title_level
    return form
