"""Certificate pages: the public verification page (no login, rate-limited per IP), issuing and
downloading for owners and their unit admins, and the provincial admin's list with revocation."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.certificates import files, services
from portal.certificates.api import CertificateApi
from portal.certificates.services import RevokeInvalid
from portal.credit_forms import services as credit_forms
from portal.credit_forms import statements
from portal.extensions import db
from portal.models import Certificate
from portal.pagination import paginate
from portal.people.masking import mask_name

PER_PAGE = 50
NOT_FOUND = _l("No certificate or form matches this QR code or link. Check that it was copied completely; "
               "a certificate or form that cannot be found here is not valid.")


def public(certificate: Certificate) -> dict[str, Any]:
    """What the verification page shows: the frozen statement, the name masked, and the status."""
    s = certificate.statement
    return {
        "kind": "certificate", "number": s["number"], "title": s["title"], "person_name": mask_name(s["person_name"]),
        "project_name": s["project_name"], "project_number": s["project_number"],
        "project_start": s["project_start"], "project_end": s["project_end"], "organiser": s["organiser"],
        "credit_level": s["credit_level"], "credit_class": s["credit_class"], "credits": s["credits"],
        "hours": s["hours"], "awarding_body": s["awarding_body"], "issued_on": s["issued_on"],
        "status": "revoked" if certificate.revoked_at else "valid",
        "revoked_on": certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
        "verification_count": certificate.verification_count,
    }


def _numbers() -> list[str]:
    return (request.args.get("numbers") or "").split(",")


class VerifyView(BaseView):
    """/verify/<token>: public on purpose (no @has_access), so it answers logged out."""

    route_base = "/verify"

    @expose("/<token>")
    def verify(self, token: str):
        """A certificate's token, else a form's (学分登记表, 多年度学分验证表): both QR codes open here."""
        as_json = request.args.get("format") == "json"
        known = len(token) <= 64  # a longer one is no token: not looked up
        certificate = services.verify(token) if known else None
        if certificate is not None:
            shown = public(certificate)
            if as_json:
                return jsonify(shown)
            return self.render_template("portal/certificates/verify.html", title=_("Certificate verification"),
                                        certificate=shown, message=None)
        form = credit_forms.verify(token) if known else None
        if form is not None:
            shown = {**statements.public(form.statement), "status": "valid",
                     "verification_count": form.verification_count}
            if as_json:
                return jsonify(shown)
            return self.render_template("portal/credit_forms/verify.html", title=_("Form verification"), form=shown)
        if as_json:
            return jsonify(code="not_found", message=str(NOT_FOUND)), 404
        return self.render_template("portal/certificates/verify.html", title=_("Certificate verification"),
                                    certificate=None, message=NOT_FOUND), 404


def _too_many(_limit):
    message = _("Too many verification requests from your network; wait a minute and try again.")
    if request.args.get("format") == "json":
        response = jsonify(code="too_many_requests", message=message)
    else:
        response = current_app.response_class(message, mimetype="text/plain")
    response.status_code = 429
    return response


class CertificateView(BaseView):
    """Issuing and downloading: a learner their own, a unit admin their staff's, the province any."""

    route_base = ""
    class_permission_name = "CertificateFiles"

    @expose("/certificates/issue", methods=["POST"])
    @has_access
    def issue(self):
        ids = [int(i) for i in request.form.getlist("record_id") if i.isdigit()]
        if not ids:
            flash(_("Tick at least one approved record first."), "warning")
            return redirect(safe_next(request.form.get("next"), url_for("CreditQueryView.index")))
        certificates = services.issue(current_actor(), ids)
        download = request.form.get("download")
        numbers = ",".join(c.number for c in certificates)
        if download == "zip":
            return redirect(url_for("CertificateView.zip", numbers=numbers))
        if download == "pdf":
            return redirect(url_for("CertificateView.pdf", numbers=numbers))
        flash(_("The electronic certificate %(number)s is ready.", number=certificates[0].number), "success")
        return redirect(url_for("CreditEntryView.detail", record_id=ids[0]))

    @expose("/certificates/<number>.pdf")
    @has_access
    def one(self, number: str):
        return files.send_pdf(services.find(current_actor(), [number]))

    @expose("/certificates.pdf")
    @has_access
    def pdf(self):
        return files.send_pdf(services.find(current_actor(), _numbers()))

    @expose("/certificates.zip")
    @has_access
    def zip(self):
        return files.send_zip(services.find(current_actor(), _numbers()))


class CertificateAdminView(BaseView):
    """The provincial admin's list of certificates, searchable by number, with revocation."""

    route_base = "/certificates"
    class_permission_name = "Certificates"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        q = request.args.get("q", "")
        page = paginate(services.listing(q), (Certificate.id.desc(),), PER_PAGE)
        return self.render_template("portal/certificates/list.html", title=_("Certificates"), page=page, q=q)

    @expose("/<int:certificate_id>/revoke", methods=["POST"])
    @has_access
    def revoke(self, certificate_id: int):
        certificate = db.get_or_404(Certificate, certificate_id)
        try:
            services.revoke(current_actor(), certificate, request.form.get("reason", ""))
            flash(_("Certificate %(number)s was revoked.", number=certificate.number), "success")
        except RevokeInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("CertificateAdminView.index", q=certificate.number))


def register(appbuilder: AppBuilder) -> None:
    """Add the certificate pages and API; the verification page gets its per-IP limit with
    Flask-AppBuilder's limiter (Redis when configured), like the login."""
    verify_view = appbuilder.add_view_no_menu(VerifyView)
    appbuilder.sm.limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], on_breach=_too_many)(verify_view.blueprint)
    appbuilder.add_view_no_menu(CertificateView)
    appbuilder.add_view(CertificateAdminView, "Certificates", label=_l("Certificates"), icon="fa-certificate",
                        category="Statistics")
    appbuilder.add_api(CertificateApi)
