"""GET /api/v1/dictionaries/<name>: a reference dictionary for forms (every signed-in user)."""
from flask import abort
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.dictionaries import services
from portal.models.dictionaries import DICTIONARIES


class DictionaryApi(BaseApi):
    resource_name = "dictionaries"
    class_permission_name = "DictionaryApi"
    allow_browser_login = True
    openapi_spec_tag = "Dictionaries"

    @expose("/<name>", methods=["GET"])
    @protect()
    @permission_name("get")
    def get(self, name: str):
        """One dictionary as a tree: code, name, class (for credit levels) and children.
        ---
        get:
          parameters:
          - in: path
            name: name
            required: true
            schema: {type: string, enum: [credit_levels, hosting_methods, disciplines, activity_types]}
          responses:
            200: {description: The entries}
            404: {description: No such dictionary}
        """
        if name not in DICTIONARIES:
            abort(404)
        return self.response(200, name=name, entries=services.tree(name))
