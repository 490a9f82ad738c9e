"""Verifiable credentials (Open Badges 3.0): every certificate also as a credential signed by the
province (VC-JWT), its keys and issuer profile published, revocation as a W3C Bitstring Status
List, and a verifier (a public page and `flask portal verify-credential`)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """The download, the published documents, the verifier page (with the verification page's
    per-IP limit) and the API."""
    from portal.certificates.services import ISSUED
    from portal.credentials import services
    from portal.credentials.api import CredentialApi
    from portal.credentials.views import CredentialFileView, PublishedView, VerifierView
    from portal.documents.views import too_many

    appbuilder.add_view_no_menu(CredentialFileView)
    appbuilder.add_view_no_menu(PublishedView)
    verifier = appbuilder.add_view_no_menu(VerifierView)
    appbuilder.sm.limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], on_breach=too_many)(verifier.blueprint)
    # The app-wide CSRF check would read the whole upload before the page can cap its size: the
    # page's form checks its own CSRF token instead, after capping (VerifierView.verify).
    current_app.extensions["csrf"].exempt(f"{VerifierView.__module__}.verify")
    appbuilder.add_api(CredentialApi)
    # Every certificate is signed as a credential when it is issued (signed on first request for
    # those issued before the credentials existed).
    current_app.extensions.setdefault(ISSUED, []).append(services.of_certificate)
