"""Flask-AppBuilder's generated CRUD (units, dictionaries), configured as part of the product."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import session, url_for
from flask_appbuilder import ModelView
from wtforms.fields.core import UnboundField


class PortalModelView(ModelView):
    """A generated CRUD view that, after a save or a delete, goes back to its own list as the
    admin left it (page, filters). FAB's own redirect pops a history shared by every page, so
    saving a unit could land on the user list. An empty choice in a relation picker reads "—"
    (FAB's shows its internal value "__None")."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for form in (self.add_form, self.edit_form):
            for field in vars(form).values():
                if isinstance(field, UnboundField) and field.kwargs.get("allow_blank"):
                    field.kwargs["blank_text"] = "—"

    def get_redirect(self):
        own_list = url_for(f"{self.endpoint}.list")
        for url in reversed(session.get("page_history", [])):
            if urlsplit(url).path == own_list:
                return url
        return own_list
