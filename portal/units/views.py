"""单位管理 for the provincial admin: the unit tree, and FAB's CRUD for editing units."""
from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.crud import PortalModelView
from portal.models import Unit
from portal.models.units import UNIT_KINDS, UNIT_LEVELS, UNIT_TIERS, UNIT_TYPES
from portal.select_field import SelectField
from portal.units import services

KIND_LABELS = {"province": _l("Province"), "city": _l("City"), "county": _l("County"), "institution": _l("Institution")}


class UnitModelView(PortalModelView):
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Units"
    route_base = "/units/manage"
    list_title = _l("Units")
    add_title, edit_title, show_title = _l("Add unit"), _l("Edit unit"), _l("Unit")
    list_columns = ["code", "name", "kind", "tier", "level", "type", "parent"]
    search_columns = ["code", "name", "kind", "tier", "level", "type"]
    add_columns = edit_columns = ["code", "name", "kind", "tier", "level", "type", "parent"]
    show_columns = ["code", "name", "kind", "tier", "level", "type", "parent"]
    order_columns = ["code", "name"]
    label_columns = {"code": _l("Unit code"), "name": _l("Unit name"), "kind": _l("Kind"), "level": _l("Level"),
                     "tier": _l("Administrative tier"), "type": _l("Unit type"), "parent": _l("Parent unit")}
    description_columns = {
        "code": _l("Unique code, also the prefix of generated staff numbers."),
        "kind": _l("Province, city, county or institution (hospital, health centre ...)."),
        "level": _l("Grade of an institution: 三级, 二级, 一级, 乡镇 ..."),
        "tier": _l("省, 市, 县区, 乡镇街道 or 村: rules for 县级及以下 go by the tier, not the grade."),
        "type": _l("Hospital, disease control, maternal and child health, community health centre ..."),
        "parent": _l("The unit above this one in the tree."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in UNIT_KINDS]),
        "level": SelectField(_l("Level"), choices=[("", "—")] + [(v, v) for v in UNIT_LEVELS]),
        "tier": SelectField(_l("Administrative tier"), choices=[("", "—")] + [(v, v) for v in UNIT_TIERS]),
        "type": SelectField(_l("Unit type"), choices=[("", "—")] + [(v, v) for v in UNIT_TYPES]),
    }
    formatters_columns = {"kind": lambda value: KIND_LABELS.get(value, value), "level": lambda value: value or "—",
                          "parent": lambda value: value or "—"}
    base_order = ("code", "asc")

    def pre_update(self, item):
        services.restate_if_regraded(item)

    def pre_delete(self, item):
        if item.children or services.has_staff(item.id):
            raise ValueError(_("A unit with sub-units or staff cannot be deleted."))


class UnitTreeView(BaseView):
    route_base = "/units"
    class_permission_name = "UnitTree"
    default_view = "tree"

    @expose("/")
    @has_access
    def tree(self):
        return self.render_template(
            "portal/units/tree.html", title=_("Unit tree"), children=services.children(), staff=services.staff_counts(),
            kinds=KIND_LABELS,
        )
