"""The installable app's shell: what the service worker precaches (the layout's style sheet and
scripts, the icons, the offline page) and the cache's version, a digest of those files, so that
a changed file makes browsers replace the whole cache."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, url_for

STATIC = Path(__file__).resolve().parent.parent / "static"
# Under portal/static/: the files every app page loads.
FILES = ("mobile/app.css", "mobile/app.js", "mobile/scan.js", "vendor/jsqr/jsQR.js",
         "mobile/icons/icon-192.png", "mobile/icons/icon-512.png", "mobile/icons/icon-maskable-512.png")
THEME = "#0b6e69"  # portal.css's --accent
BACKGROUND = "#f5f7f8"


def version(app: Flask) -> str:
    """The digest of the shell's files and the offline page's template, computed once per app."""
    found = app.extensions.get("portal_mobile_shell")
    if found is None:
        digest = hashlib.sha256()
        templates = STATIC.parent / "templates" / "portal" / "mobile"
        for path in [STATIC / f for f in FILES] + [templates / "offline.html", templates / "layout.html"]:
            digest.update(path.read_bytes())
        found = app.extensions["portal_mobile_shell"] = digest.hexdigest()[:12]
    return found


def urls() -> list[str]:
    return [url_for("static", filename=f) for f in FILES] + [url_for("MobileShellView.offline")]


def manifest() -> dict:
    from flask_babel import gettext as _

    icons = [{"src": url_for("static", filename=f"mobile/icons/{name}"), "sizes": size, "type": "image/png",
              "purpose": purpose}
             for name, size, purpose in (("icon-192.png", "192x192", "any"), ("icon-512.png", "512x512", "any"),
                                         ("icon-maskable-512.png", "512x512", "maskable"))]
    return {"name": _("CME app"), "short_name": _("CME app"), "lang": "zh-CN", "dir": "ltr",
            "description": _("Scan to check in, and look up your credits, compliance and certificates."),
            "id": url_for("MobileView.home"), "start_url": url_for("MobileView.home"), "scope": url_for("MobileView.home"),
            "display": "standalone", "orientation": "portrait", "theme_color": THEME, "background_color": BACKGROUND,
            "icons": icons}
