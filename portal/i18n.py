"""Flask-Babel's translations, looked up once a request. A page asks for them for every string it
shows (a list page: about a hundred times, with its menu), and each look-up resolves the
request's Babel context, its locale and a cache key again: a tenth of a list page's time.
Templates' ``_()`` reads the request's translations directly too: Flask-Babel's callables go
through its domain and context look-ups on every string first."""
from __future__ import annotations

from flask import Flask, g
from flask_babel import Domain, get_translations


class RequestDomain(Domain):
    def get_translations(self):
        if not g:
            return super().get_translations()
        found = g.get("_portal_translations")
        if found is None:
            found = g._portal_translations = super().get_translations()
        return found


def _translations():
    return (g.get("_portal_translations") if g else None) or get_translations()


def init_app(app: Flask) -> None:
    """After Flask-AppBuilder has set Babel up: its one domain becomes a RequestDomain, and the
    templates' gettext callables read its translations."""
    babel = app.extensions["babel"].instance
    babel.domain_instance = RequestDomain(domain=babel.domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
