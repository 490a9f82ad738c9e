"""/api/v1/units/: CRUD for the provincial admin (FAB's ModelRestApi)."""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow.validate import OneOf

from portal.models import Unit
from portal.models.units import UNIT_KINDS, UNIT_LEVELS, UNIT_TIERS, UNIT_TYPES
from portal.units.services import restate_if_regraded


class UnitApi(ModelRestApi):
    resource_name = "units"
    class_permission_name = "UnitApi"
    datamodel = SQLAInterface(Unit)
    allow_browser_login = True
    list_columns = show_columns = ["id", "code", "name", "kind", "tier", "level", "type", "parent_id"]
    add_columns = edit_columns = ["code", "name", "kind", "tier", "level", "type", "parent"]
    search_columns = ["code", "name", "kind", "tier", "level", "type", "parent"]
    order_columns = ["code", "name"]
    validators_columns = {"kind": OneOf(UNIT_KINDS), "level": OneOf(("",) + UNIT_LEVELS),
                         "tier": OneOf(("",) + UNIT_TIERS), "type": OneOf(("",) + UNIT_TYPES)}

    def pre_update(self, item):
        restate_if_regraded(item)
