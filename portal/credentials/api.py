"""REST API of verifiable credentials: a certificate's credential as VC-JWT or as JSON."""
from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from portal.accounts.actor import current_actor
from portal.credentials import files, services


class CredentialApi(BaseApi):
    route_base = "/api/v1"
    resource_name = "credentials"
    # Whoever may download a certificate may download its credential.
    class_permission_name = "CertificateApi"
    allow_browser_login = True
    openapi_spec_tag = "Certificates"

    @expose("/certificates/<number>.jwt", methods=["GET"])
    @protect()
    @permission_name("get")
    def as_jwt(self, number: str):
        """A certificate's Open Badges 3.0 credential as a VC-JWT (signed the first time it is asked for).
        ---
        get:
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: application/jwt}
            404: {description: Not a certificate you may see}
            409: {description: The certificate was revoked}
        """
        return files.send_jwt(services.of_number(current_actor(), number), number)

    @expose("/certificates/<number>.json", methods=["GET"])
    @protect()
    @permission_name("get")
    def as_json(self, number: str):
        """A certificate's Open Badges 3.0 credential as JSON, with its VC-JWT beside it.
        ---
        get:
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: "{credential, jwt}"}
            404: {description: Not a certificate you may see}
            409: {description: The certificate was revoked}
        """
        return files.send_json(services.of_number(current_actor(), number), number)
