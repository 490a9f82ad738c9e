"""A form's PDF and print page, written by the exporter of its kind of document."""
from __future__ import annotations

from flask import Response
from markupsafe import Markup

from portal.contracts import DocumentKind
from portal.documents import files
from portal.models import CreditForm
from portal.models.credit_forms import REGISTRATION, VERIFICATION

DOCUMENTS = {REGISTRATION: DocumentKind.REGISTRATION_FORM, VERIFICATION: DocumentKind.VERIFICATION_TABLE}
FILE_NAMES = {REGISTRATION: "学分登记表", VERIFICATION: "多年度学分验证表"}


def send_pdf(form: CreditForm) -> Response:
    """The form's file, with its number and verification URL in the X-Form-Number and X-Verify-URL
    headers (for API clients that file them)."""
    response = files.send(DOCUMENTS[form.kind], [form.statement], f"{FILE_NAMES[form.kind]}{form.number}")
    response.headers["X-Form-Number"] = form.number
    response.headers["X-Verify-URL"] = form.statement["verify_url"]
    return response


def page(form: CreditForm, toolbar: Markup) -> str:
    """The form as printed, ``toolbar`` above it on screen."""
    return files.page(DOCUMENTS[form.kind], [form.statement], toolbar)
