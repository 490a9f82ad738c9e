"""/verify/<token>: the page a certificate's or a form's QR code opens."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.documents import public, services
from portal.models import Certificate

NOT_FOUND = _l("No certificate or form matches this QR code or link. Check that it was copied completely; "
               "a certificate or form that cannot be found here is not valid.")
# A longer token is no token: it is not looked up.
TOKEN_MAX = 64


class VerifyView(BaseView):
    """Public on purpose (no @has_access), so it answers logged out."""

    route_base = "/verify"

    @expose("/<token>")
    def verify(self, token: str):
        as_json = request.args.get("format") == "json"
        found = services.verify(token) if len(token) <= TOKEN_MAX else None
        if found is None:
            if as_json:
                return jsonify(code="not_found", message=str(NOT_FOUND)), 404
            return self.render_template("portal/documents/verify_certificate.html", title=_("Certificate verification"),
                                        certificate=None, message=NOT_FOUND), 404
        if isinstance(found, Certificate):
            shown = public.certificate(found)
            if as_json:
                return jsonify(shown)
            return self.render_template("portal/documents/verify_certificate.html", title=_("Certificate verification"),
                                        certificate=shown, message=None, token=token)
        shown = public.form(found)
        if as_json:
            return jsonify(shown)
        return self.render_template("portal/documents/verify_form.html", title=_("Form verification"), form=shown)


def too_many(_limit):
    message = _("Too many verification requests from your network; wait a minute and try again.")
    if request.args.get("format") == "json":
        response = jsonify(code="too_many_requests", message=message)
    else:
        response = current_app.response_class(message, mimetype="text/plain")
    response.status_code = 429
    return response
