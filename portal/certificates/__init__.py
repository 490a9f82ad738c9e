"""Electronic credit certificates (电子学分证书): issuing, downloading, revocation. Numbering,
freezing and verification by QR code are portal.documents'."""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu
from portal.accounts.redirects import safe_next
from portal.jsonapi import answer


def register(appbuilder: AppBuilder) -> None:
    from portal.certificates.api import CertificateApi
    from portal.certificates.rows import IssueRows
    from portal.certificates.services import CertificateRevoked
    from portal.certificates.views import CertificateAdminView, CertificateView

    appbuilder.add_view_no_menu(CertificateView)
    appbuilder.add_view(CertificateAdminView, "Certificates", label=_l("Certificates"), icon="fa-certificate",
                        **menu.STATISTICS)
    appbuilder.add_api(CertificateApi)
    current_app.register_error_handler(CertificateRevoked, _revoked)
    current_app.add_template_global(IssueRows, "issue_rows")


def _revoked(error: Exception):
    """A revoked certificate asked for: 409 on the API; on a page, the reason where the user came from."""
    if request.path.startswith("/api/"):
        return answer(409, code="revoked", message=str(error))
    flash(str(error), "danger")
    return redirect(safe_next(request.values.get("next"), url_for("CreditQueryView.index")))
