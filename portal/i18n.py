"""Flask-Babel's translations, looked up once a request. A page asks for them for every string it
shows (a list page: about a hundred times, with its menu), and each look-up resolves the
request's Babel context, its locale and a cache key again: a tenth of a list page's time."""
from __future__ import annotations

from flask import Flask, g
from flask_babel import Domain


class RequestDomain(Domain):
    def get_translations(self):
        if not g:
            return super().get_translations()
        found = g.get("_portal_translations")
        if found is None:
            found = g._portal_translations = super().get_translations()
        return found


def init_app(app: Flask) -> None:
    """After Flask-AppBuilder has set Babel up: its one domain becomes a RequestDomain."""
    babel = app.extensions["babel"].instance
    babel.domain_instance = RequestDomain(domain=babel.domain)
