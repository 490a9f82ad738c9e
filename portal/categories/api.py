"""GET /api/v1/credit-categories/: the enabled categories with their fields and wizard."""
from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.categories import services


class CreditCategoryApi(BaseApi):
    resource_name = "credit-categories"
    class_permission_name = "CreditCategoryApi"
    allow_browser_login = True
    openapi_spec_tag = "Credit categories"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("get")
    def list(self):
        """Enabled categories (of ``year``, when given): id, name, type, entry (how a record is entered:
        "form" needs no ``wizard_choice``, "wizard" takes one), class, fields and wizard.
        ---
        get:
          parameters:
          - {in: query, name: year, schema: {type: integer}}
          responses:
            200: {description: The categories}
        """
        categories = services.enabled(request.args.get("year", type=int))
        return self.response(200, count=len(categories), result=[services.describe(c) for c in categories])
