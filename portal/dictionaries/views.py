"""字典维护: the provincial admin edits the reference dictionaries with FAB's CRUD."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from portal.contracts import CLASS_LABELS, CREDIT_CLASSES
from portal.models import DictionaryEntry
from portal.models.dictionaries import DICTIONARIES

DICTIONARY_LABELS = {
    "credit_levels": _l("Credit levels"), "hosting_methods": _l("Hosting methods"),
    "disciplines": _l("Disciplines"), "activity_types": _l("Activity types"),
}


class DictionaryModelView(ModelView):
    datamodel = SQLAInterface(DictionaryEntry)
    class_permission_name = "Dictionaries"
    route_base = "/dictionaries"
    list_title = _l("Dictionaries")
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
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "parent": [["dictionary", FilterEqual, "disciplines"], ["parent_id", FilterEqual, None]],
    }
    formatters_columns = {
        "dictionary": lambda value: DICTIONARY_LABELS.get(value, value),
        "credit_class": lambda value: CLASS_LABELS.get(value, value or ""),
    }

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def pre_delete(self, item):
        if item.children:
            raise ValueError(_("This discipline has sub-disciplines; delete or move them first, or disable it instead."))

    @staticmethod
    def _check(item: DictionaryEntry) -> None:
        item.credit_class = item.credit_class or None
        if item.dictionary == "credit_levels" and not item.credit_class:
            raise ValueError(_("A credit level needs the credit class it gives."))
        if item.dictionary != "credit_levels":
            item.credit_class = None
        if item.parent is not None and (item.dictionary != "disciplines" or item.parent.parent_id is not None
                                        or item.parent.id == item.id):
            raise ValueError(_("Only a 三级学科 has a parent, and it must be a 二级学科."))
