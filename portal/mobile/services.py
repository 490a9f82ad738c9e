"""The phone app's sign-in by SMS code: any learner with an active account whose mobile number is
on record asks for a code with the number alone. The codes, their limits and their store are the
core's (portal.people.sms_codes, ``purpose`` "app"); only the number on record ever receives one,
and an unknown number, or one that several people share, gets the same answer and no SMS."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.contracts import SmsNotice
from portal.extensions import db
from portal.models import Person
from portal.people import sms_codes

PURPOSE = "app"

SENT = _l("If the mobile number belongs to a learner, a code has been sent to it. It is valid for 5 minutes.")
REFUSED = _l("The code is wrong or no longer valid. Check it, or ask for a new code.")


def _owner(phone: str) -> Person | None:
    """The one person with an active account whose mobile number is ``phone``."""
    found = db.session.scalars(select(Person).join(User, User.id == Person.user_id)
                               .where(Person.mobile == phone, User.active.is_(True)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def request_code(phone: str) -> SmsNotice:
    phone = sms_codes.mobile(phone)
    person = _owner(phone)
    # The limits count per ID number too: an unknown number is counted under none.
    return sms_codes.issue(
        PURPOSE, person.id_number if person else "", phone, person.id if person else None,
        lambda code, minutes: _("Your CME app sign-in code is %(code)s, valid for %(minutes)d minutes. "
                                "If you did not ask for it, ignore this message.", code=code, minutes=minutes),
        str(SENT))


def signed_in_user(phone: str, code: str) -> User | None:
    """The account the code was sent for, with the code used up; None for a wrong or spent code."""
    phone = sms_codes.mobile(phone)
    person = _owner(phone)
    if person is None:
        sms_codes.sign_in_failed(None)
        return None
    found = sms_codes.attempt(PURPOSE, person.id_number, phone, code)
    if found is None or found.person_id != person.id or not sms_codes.use(found):
        db.session.rollback()
        sms_codes.sign_in_failed(person)
        return None
    db.session.commit()
    return person.user
