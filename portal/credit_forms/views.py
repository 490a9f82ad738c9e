"""打印学分登记表 and 多年度学分验证表: pick a year (or tick years), generate the frozen form, then
print it from its page or download its PDF. Learners their own; unit admins their staff's; the
provincial admin anyone's (``person_id``)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from markupsafe import Markup

from portal.accounts.actor import current_actor
from portal.compliance import stats, summaries
from portal.credit_forms import files, services
from portal.credit_forms.services import YearsInvalid
from portal.credit_forms.statement import person_line
from portal.models import CreditForm
from portal.models.credit_forms import REGISTRATION, VERIFICATION
from portal.people import services as people


def after_issue(form: CreditForm):
    """Where a generated form goes: its PDF, or its print page."""
    if request.form.get("output") == "pdf":
        return redirect(url_for("CreditFormView.pdf", number=form.number))
    return redirect(url_for("CreditFormView.show", number=form.number))


class CreditFormView(BaseView):
    route_base = "/forms"
    class_permission_name = "CreditForms"
    default_view = "registration"

    def _person(self):
        actor = current_actor()
        person = people.whose(actor, request.values.get("person_id"))
        return actor, person

    @expose("/registration/", methods=["GET", "POST"])
    @has_access
    def registration(self):
        actor, person = self._person()
        year = stats.chosen_year(request.values.get("year"))
        if request.method == "POST":
            return after_issue(services.registration(actor, person, year))
        return self.render_template(
            "portal/credit_forms/registration.html", title=_("Print credit registration form"), person=person,
            own=actor.is_person(person.id), line=person_line(person, year), year=year, span=summaries.year_range(year),
            years=stats.years_offered(year, stats.first_record_year(person.id)),
            issued=services.of_person(person.id, REGISTRATION))

    @expose("/verification/", methods=["GET", "POST"])
    @has_access
    def verification(self):
        actor, person = self._person()
        offered = stats.years_offered(stats.chosen_year(None), stats.first_record_year(person.id))
        # After a refusal the page comes back with the same years ticked.
        ticked = [int(v) for v in request.form.getlist("years") if v.isdigit()]
        if request.method == "POST":
            try:
                years = services.chosen_years(request.form.getlist("years"))
            except YearsInvalid as e:
                flash(str(e), "danger")
            else:
                return after_issue(services.verification(actor, person, years))
        return self.render_template(
            "portal/credit_forms/verification.html", title=_("Multi-year credit verification table"), person=person,
            own=actor.is_person(person.id), line=person_line(person), ticked=ticked,
            years=[(y, summaries.year_range(y)) for y in offered], issued=services.of_person(person.id, VERIFICATION))

    @expose("/<number>")
    @has_access
    def show(self, number: str):
        """The form as printed, with 打印 and 下载PDF above it (left out of the print)."""
        form = services.find(current_actor(), number)
        return files.page(form, Markup(render_template("portal/credit_forms/toolbar.html", form=form)))

    @expose("/<number>.pdf")
    @has_access
    def pdf(self, number: str):
        return files.send_pdf(services.find(current_actor(), number))
