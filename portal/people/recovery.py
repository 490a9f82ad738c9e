"""找回账户密码: a person who forgot their password proves who they are with their ID number, the
mobile number on record and a code sent to it by SMS (the SMS sender PORTAL_SMS_SENDER names),
then chooses a new password, which goes through the policy; every session of the account ends.

The codes are portal.people.sms_codes' (``purpose`` "recovery"), under the limits every SMS code
shares (portal.people.sms_limits). Nothing tells whether the
account exists: the answer to a request is the same either way, and every failed check too. A
code is valid 5 minutes, for 5 tries, once, and only for the account it was sent for."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts import audit, services
from portal.accounts.password_policy import password_problems
from portal.contracts import SmsNotice
from portal.extensions import db
from portal.models import Person
from portal.people import id_number as id_numbers
from portal.people import sms_codes
from portal.people.sms_codes import InvalidInput

PURPOSE = "recovery"

SENT = _l("If the ID number and mobile number match an account, a code has been sent to that phone. "
          "It is valid for 5 minutes.")
REFUSED = _l("The code is wrong or no longer valid. Check it, or ask for a new code.")


def _normalise(number: str, phone: str) -> tuple[str, str]:
    try:
        number = id_numbers.parse(number or "").number
    except id_numbers.InvalidIdNumber as e:
        raise InvalidInput("id_number", str(e)) from None
    return number, sms_codes.mobile(phone)


def _account(number: str, phone: str) -> Person | None:
    """The staff member (not an out-of-province learner: they have no password) with an active account."""
    return db.session.scalar(select(Person).join(User, User.id == Person.user_id).where(
        Person.with_id_number(number), Person.mobile == phone, Person.out_of_province.is_(False), User.active.is_(True)))


def request_code(number: str, phone: str) -> SmsNotice:
    number, phone = _normalise(number, phone)
    person = _account(number, phone)
    return sms_codes.issue(
        PURPOSE, number, phone, person.id if person else None,
        lambda code, minutes: _("Your CME portal password recovery code is %(code)s, valid for %(minutes)d "
                                "minutes. If you did not ask for it, ignore this message.", code=code, minutes=minutes),
        str(SENT))


def reset(number: str, phone: str, code: str, password: str) -> tuple[list[str], str]:
    """Set ``password`` for the account the code was sent for: problems for the user (none when
    done) and the account's username (once done: they may have forgotten it too).
    A wrong code counts as a try; a right one with a refused password can be used again (its tries
    permitting); the code is used up when the password is set."""
    number, phone = _normalise(number, phone)
    found = sms_codes.attempt(PURPOSE, number, phone, code)
    if found is None:
        return [str(REFUSED)], ""
    person = db.session.get(Person, found.person_id)
    problems = password_problems(password, person.user.username, person.id_number)
    if problems:
        return problems, ""
    if not sms_codes.use(found):
        db.session.rollback()
        return [str(REFUSED)], ""
    services.set_password(person.user, password, must_change=False)
    audit.write(audit.PASSWORD_RECOVERY, person.user, None, person.unit_id)
    db.session.commit()
    return [], person.user.username
