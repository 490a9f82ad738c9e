"""A form's PDF and print page, written by its document exporter plugin."""
from __future__ import annotations

from flask import Response
from markupsafe import Markup

from portal.exports.documents import document_exporter_class, send_documents
from portal.models import CreditForm
from portal.models.credit_forms import REGISTRATION, VERIFICATION

EXPORTERS = {REGISTRATION: "registration_form_pdf", VERIFICATION: "verification_table_pdf"}
FILE_NAMES = {REGISTRATION: "学分登记表", VERIFICATION: "多年度学分验证表"}


def send_pdf(form: CreditForm) -> Response:
    """The form's PDF, with its number and verification URL in the X-Form-Number and X-Verify-URL
    headers (for API clients that file them)."""
    response = send_documents(EXPORTERS[form.kind], [form.statement], f"{FILE_NAMES[form.kind]}{form.number}")
    response.headers["X-Form-Number"] = form.number
    response.headers["X-Verify-URL"] = form.statement["verify_url"]
    return response


def page(form: CreditForm, toolbar: Markup) -> str:
    """The form as printed, ``toolbar`` above it on screen."""
    return document_exporter_class(EXPORTERS[form.kind])().html([form.statement], toolbar)
