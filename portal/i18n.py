"""Flask-Babel's translations, looked up once a request. A page asks for them for every string it
shows (a list page: about a hundred times, with its menu), and each look-up resolves the
request's Babel context, its locale and a cache key again: a tenth of a list page's time.
Templates' ``_()`` reads the request's translations directly too: Flask-Babel's callables go
through its domain and context look-ups on every string first. And it is one call: Jinja's i18n
extension reaches the translation through three calls of the template context (its ``_`` alias,
its newstyle wrapper, the callable), about sixty thousand instructions a string, where a list
page shows fifty strings besides its rows."""
from __future__ import annotations

from flask import Flask, g
from flask_babel import Domain, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


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


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
    """What the i18n extension's newstyle gettext answers: in an autoescaped template the
    translation is markup and the values put into it are escaped; it is always a format string
    ("%%" is a per cent sign), so it is formatted whenever it holds a "%"."""
    translated = _translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables if "%" in translated else translated


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
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
