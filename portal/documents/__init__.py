"""Issued documents (certificates, forms): numbered, frozen when issued, verified by the token
their QR code carries. Certificates and forms both build on this package."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add the public verification page, with its per-IP limit from Flask-AppBuilder's limiter
    (Redis when configured), like the login."""
    from portal.documents.views import VerifyView, too_many

    view = appbuilder.add_view_no_menu(VerifyView)
    appbuilder.sm.limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], on_breach=too_many)(view.blueprint)
