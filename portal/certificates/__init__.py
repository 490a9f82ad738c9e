"""Electronic credit certificates (电子学分证书): issuing, downloading, revocation. Numbering,
freezing and verification by QR code are portal.documents'."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.certificates.api import CertificateApi
    from portal.certificates.views import CertificateAdminView, CertificateView

    appbuilder.add_view_no_menu(CertificateView)
    appbuilder.add_view(CertificateAdminView, "Certificates", label=_l("Certificates"), icon="fa-certificate",
                        **menu.STATISTICS)
    appbuilder.add_api(CertificateApi)
