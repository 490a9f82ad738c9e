"""Credential pages: the learner's download, what the province publishes for verifiers (keys,
issuer profile, status lists), and the public verifier page."""
from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.credentials import files, keys, openbadges, services
from portal.credentials.forms import VerifyForm
from portal.credentials.verify import verify_file
from portal.documents.views import TOKEN_MAX

# What a multipart form adds around the file (boundaries, headers, the CSRF token).
FORM_OVERHEAD = 4 * 1024
# Published documents change only at a rotation or a revocation: verifiers may cache them this long.
PUBLISHED_MAX_AGE = 300


class CredentialFileView(BaseView):
    """A certificate's credential for whoever may download the certificate itself."""

    route_base = ""
    class_permission_name = "CertificateFiles"

    @expose("/certificates/<number>.credential.json")
    @has_access
    def download(self, number: str):
        return files.send_json(services.of_number(current_actor(), number), number)


class PublishedView(BaseView):
    """What any verifier fetches, without an account: public on purpose (no @has_access)."""

    route_base = ""

    @expose("/.well-known/jwks.json")
    def jwks(self):
        return _published(jsonify(keys.jwks()))

    @expose("/issuer")
    def issuer(self):
        response = jsonify(openbadges.issuer([k.jwk() for k in keys.published()]))
        return _published(response)

    @expose("/credentials/status/<int:list_number>")
    def status_list(self, list_number: int):
        return _published(Response(services.signed_status_list(list_number), mimetype=files.JWT_MEDIA_TYPE))


class VerifierView(BaseView):
    """The public verifier page and the credential offered on a certificate's verification page."""

    route_base = ""

    @expose("/credentials/verify", methods=["GET", "POST"])
    def verify(self):
        limit = current_app.config["CREDENTIAL_UPLOAD_MAX"]
        too_big = request.method == "POST" and (request.content_length or 0) > limit + FORM_OVERHEAD
        # A body of unknown length stops at the same size (413) while it is read.
        request.max_content_length = limit + FORM_OVERHEAD
        form = VerifyForm(formdata=None) if too_big else VerifyForm()
        report = None
        if not too_big and form.validate_on_submit():
            content = form.file.data.read(limit + 1)
            too_big = len(content) > limit
            report = None if too_big else verify_file(content)
        status = 413 if too_big else 400 if form.csrf_token.errors else 200
        return self.render_template("portal/credentials/verifier.html", title=_("Verify a credential"), form=form,
                                    report=report, too_big=too_big, limit_kb=limit // 1024), status

    @expose("/verify/<token>/credential.json")
    def of_certificate(self, token: str):
        credential = services.of_token(token) if len(token) <= TOKEN_MAX else None
        if credential is None:
            abort(404)
        return files.send_json(credential, credential.certificate.number)


def _published(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={PUBLISHED_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
