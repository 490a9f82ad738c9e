"""The printed credit forms as PDF (A4 portrait, a form or more per file): 学分登记表 (one year's
counted records, totals and result) and 多年度学分验证表 (several years' totals and results, and the
multi-year requirements). Templates in templates/, the QR code bottom left like the certificate's.
The same HTML is the portal's print-friendly page."""
from __future__ import annotations

from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.contracts import DocumentExporter, DocumentKind, FormStatement
from portal.hookspecs import hookimpl

from ._pdf import environment, write_pdf


class _FormPdf(DocumentExporter):
    media_type = "application/pdf"
    file_extension = "pdf"
    template: str

    def html(self, documents: list[FormStatement], toolbar: Markup | str = "") -> str:
        return environment.get_template(self.template).render(forms=documents, toolbar=toolbar)

    def write(self, documents: list[FormStatement], out: BinaryIO) -> None:
        write_pdf(self.html(documents), out)


class RegistrationFormPdf(_FormPdf):
    slug = "registration_form_pdf"
    label = _l("Credit registration form (PDF)")
    description = _l("A year's approved records, totals by class and compliance result, with a QR code.")
    document = DocumentKind.REGISTRATION_FORM
    template = "registration_form.html"


class VerificationTablePdf(_FormPdf):
    slug = "verification_table_pdf"
    label = _l("Multi-year verification table (PDF)")
    description = _l("Several years' totals and compliance results and the multi-year requirements, with a QR code.")
    document = DocumentKind.VERIFICATION_TABLE
    template = "verification_table.html"


@hookimpl
def register_exporters():
    return [RegistrationFormPdf, VerificationTablePdf]
