"""Certificate pages: issuing and downloading for owners and their unit admins, and the
provincial admin's list with revocation. Their verification page is portal.documents'."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.accounts.redirects import safe_next
from portal.certificates import files, services
from portal.certificates.services import RevokeInvalid
from portal.extensions import db
from portal.models import Certificate
from portal.pagination import paginate

PER_PAGE = 50


def _numbers() -> list[str]:
    return (request.args.get("numbers") or "").split(",")


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
