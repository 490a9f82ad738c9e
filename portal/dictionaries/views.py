"""字典维护: the provincial admin edits the reference dictionaries with FAB's CRUD."""
from __future__ import annotations

from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from wtforms import BooleanField

from portal.accounts import audit
from portal.accounts.actor import current_actor
from portal.contracts import CLASS_LABELS, CREDIT_CLASSES
from portal.crud import PortalModelView
from portal.dictionaries import services
from portal.extensions import db
from portal.models import DictionaryEntry
from portal.models.dictionaries import DICTIONARIES
from portal.select_field import SelectField

DICTIONARY_LABELS = {
    "credit_levels": _l("Credit levels"), "hosting_methods": _l("Hosting methods"),
    "disciplines": _l("Disciplines"), "activity_types": _l("Activity types"),
}


class DictionaryModelView(PortalModelView):
    datamodel = SQLAInterface(DictionaryEntry)
    class_permission_name = "Dictionaries"
    route_base = "/dictionaries"
    list_title = _l("Dictionaries")
    add_title, edit_title, show_title = _l("Add dictionary entry"), _l("Edit dictionary entry"), _l("Dictionary entry")
    list_columns = ["dictionary", "code", "name", "credit_class", "parent", "position", "enabled"]
    add_columns = edit_columns = show_columns = ["dictionary", "code", "name", "credit_class", "parent", "position", "enabled"]
    search_columns = ["dictionary", "code", "name", "enabled"]
    base_order = ("dictionary", "asc")
    label_columns = {
        "dictionary": _l("Dictionary"), "code": _l("Code"), "name": _l("Name"), "credit_class": _l("Credit class"),
        "parent": _l("Parent discipline"), "position": _l("Order"), "enabled": _l("Enabled"),
    }
    description_columns = {
        "code": _l("Unique within the dictionary; used by the API and imports. Do not change it once records use it."),
        "credit_class": _l("Credit levels only: the class a record at this level gives."),
        "parent": _l("Disciplines only: the 二级学科 a 三级学科 belongs to; empty for a 二级学科."),
        "position": _l("Smaller numbers are listed first."),
        "enabled": _l("A disabled entry is no longer offered in forms; records that use it keep it."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "dictionary": SelectField(_l("Dictionary"), choices=[(d, DICTIONARY_LABELS[d]) for d in DICTIONARIES]),
        "credit_class": SelectField(_l("Credit class"), choices=[("", "—")] + [(c, CLASS_LABELS[c]) for c in CREDIT_CLASSES]),
        # FAB would make the NOT NULL column a required tick box, so an entry could never be disabled.
        "enabled": BooleanField(_l("Enabled"), default=True, description=description_columns["enabled"]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "parent": [["dictionary", FilterEqual, "disciplines"], ["parent_id", FilterEqual, None]],
    }
    formatters_columns = {
        "dictionary": lambda value: DICTIONARY_LABELS.get(value, value),
        "credit_class": lambda value: CLASS_LABELS.get(value, value or ""),
        "parent": lambda value: value or "—",
        "enabled": lambda value: _("Yes") if value else _("No"),
    }

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def post_add(self, item):
        self._audit(item, "add")

    def post_update(self, item):
        self._audit(item, "edit")

    def post_delete(self, item):
        self._audit(item, "delete")

    @staticmethod
    def _audit(item: DictionaryEntry, change: str) -> None:
        audit.write(audit.DICTIONARY_CHANGE, None, current_actor(), None,
                    after={"change": change, "dictionary": item.dictionary, "code": item.code, "name": item.name,
                           "enabled": item.enabled})
        db.session.commit()

    def pre_delete(self, item):
        if item.children:
            raise ValueError(_("This discipline has sub-disciplines; delete or move them first, or disable it instead."))
        used = services.records_using(item.dictionary, item.code)
        if used:
            raise ValueError(_("%(n)d credit records use “%(name)s”: it cannot be deleted. Disable it instead: "
                               "forms stop offering it and the records keep it.", n=used, name=item.name))

    @staticmethod
    def _check(item: DictionaryEntry) -> None:
        # The checks query; a flush of the edited entry before them would lose what it was.
        with db.session.no_autoflush:
            if services.code_taken(item):
                raise ValueError(_("The code %(code)s is already used in this dictionary.", code=item.code))
            state = inspect(item)
            if item.id and (state.attrs.code.history.deleted or state.attrs.dictionary.history.deleted):
                was = {name: (state.attrs[name].history.deleted or [getattr(item, name)])[0] for name in ("dictionary", "code")}
                used = services.records_using(was["dictionary"], was["code"])
                if used:
                    raise ValueError(_("%(n)d credit records use the code %(code)s: its code and dictionary cannot be changed.",
                                       n=used, code=was["code"]))
        item.credit_class = item.credit_class or None
        if item.dictionary == "credit_levels" and not item.credit_class:
            raise ValueError(_("A credit level needs the credit class it gives."))
        if item.dictionary != "credit_levels":
            item.credit_class = None
        if item.parent is not None and (item.dictionary != "disciplines" or item.parent.parent_id is not None
                                        or item.parent.id == item.id):
            raise ValueError(_("Only a 三级学科 has a parent, and it must be a 二级学科."))
