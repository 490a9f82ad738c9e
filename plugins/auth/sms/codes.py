"""The SMS login's rules: an ID number and mobile number that can be right, the words of its SMS
and answers. The codes themselves (6 digits, valid 5 minutes, 5 tries, used once) and the limits
on asking for them (one a minute, so many a day) are the portal's, shared with its other uses of
SMS codes (LoginServices.request_code and check_code).

Nothing tells whether an ID number is registered: a request for a code gives the same answer either
way (the SMS goes out only when the ID number and phone belong to an out-of-province learner), and
every failed check gives the same message. Who is a learner, signing in and sending the SMS are
the core's (portal.contracts.LoginServices)."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.contracts import Learner, SmsNotice, login_services

MOBILE = re.compile(r"^1\d{10}$")

SENT = _l("If the ID number and mobile number match a registered out-of-province learner, a code has "
          "been sent to that phone. It is valid for 5 minutes.")
REFUSED = _l("The code is wrong or no longer valid. Check it, or ask for a new code.")


class InvalidInput(ValueError):
    """An ID number or phone number that cannot be right; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def normalise(id_number: str, phone: str) -> tuple[str, str]:
    """The ID number (GB 11643, checked) and the mobile number as stored, or InvalidInput."""
    try:
        number = login_services().id_number(id_number or "")
    except ValueError as e:
        raise InvalidInput("id_number", str(e)) from None
    phone = "".join((phone or "").split())
    if not MOBILE.match(phone):
        raise InvalidInput("phone", _("A mobile number has 11 digits and starts with 1."))
    return number, phone


def request_code(id_number: str, phone: str) -> SmsNotice:
    number, phone = normalise(id_number, phone)
    return login_services().request_code(
        number, phone,
        lambda code, minutes: _("Your CME portal sign-in code is %(code)s, valid for %(minutes)d minutes. "
                                "If you did not ask for it, ignore this message.", code=code, minutes=minutes),
        str(SENT))


def check_code(id_number: str, phone: str, code: str) -> Learner | None:
    """The out-of-province learner whose latest code for this ID number and phone is ``code``,
    still valid, unused and not tried too often; None otherwise. The code is used up on success."""
    number, phone = normalise(id_number, phone)
    return login_services().check_code(number, phone, code)
