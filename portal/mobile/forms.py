"""The app's sign-in by SMS code (the password sign-in is the portal's own LoginForm)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Optional, Regexp


class PhoneSignInForm(FlaskForm):
    phone = StringField(_l("Mobile number"), [DataRequired(message=_l("Enter the mobile number."))])
    code = StringField(_l("SMS code"), [Optional(), Regexp(r"^\d{6}$", message=_l("The SMS code has 6 digits."))])
