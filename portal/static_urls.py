"""Static files' URLs for the templates. ``url_for`` builds each through the URL map, and the
layout alone links some twenty files: a fifth of a small page's rendering. A static file's URL
depends only on the file and where the portal is mounted, so each is built once for each."""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def static_url(endpoint: str, filename: str) -> str:
    """``url_for(endpoint, filename=filename)`` for a static endpoint ("static", "appbuilder.static")."""
    if not has_request_context():
        return url_for(endpoint, filename=filename)
    made = current_app.extensions.setdefault("portal.static_urls", {})
    key = (endpoint, filename, request.script_root)
    if key not in made:
        made[key] = url_for(endpoint, filename=filename)
    return made[key]
