"""The public verifier's form: one credential file, CSRF-protected like every form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    file = FileField(_l("Credential file (.json or .jwt)"), validators=[FileRequired(_l("Choose a credential file first."))])
