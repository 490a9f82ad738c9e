"""找回账户密码: a person who forgot their password proves who they are with their ID number, the
mobile number on record and a code sent to it by SMS (the SMS sender PORTAL_SMS_SENDER names),
then chooses a new password, which goes through the policy; every session of the account ends.

The codes live in the sms_code table beside the SMS login's (``purpose`` "recovery"), under the
same limits, which count both (portal.people.sms_limits). Nothing tells whether the
account exists: the answer to a request is the same either way, and every failed check too. A
code is valid 5 minutes, for 5 tries, once, and only for the account it was sent for."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app, request
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.accounts import audit, services
from portal.accounts.password_policy import password_problems
from portal.contracts import login_services
from portal.extensions import db
from portal.models import Person, SmsCode
from portal.models.clock import now
from portal.people import id_number as id_numbers
from portal.people import sms_limits

PURPOSE = "recovery"
VALID_FOR = dt.timedelta(minutes=5)
MAX_TRIES = 5
MOBILE = re.compile(r"^1\d{10}$")

SENT = _l("If the ID number and mobile number match an account, a code has been sent to that phone. "
          "It is valid for 5 minutes.")
REFUSED = _l("The code is wrong or no longer valid. Check it, or ask for a new code.")


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Notice:
    sent: bool
    message: str
    wait: int = 0


def _normalise(number: str, phone: str) -> tuple[str, str]:
    try:
        number = id_numbers.parse(number or "").number
    except id_numbers.InvalidIdNumber as e:
        raise InvalidInput("id_number", str(e)) from None
    phone = "".join((phone or "").split())
    if not MOBILE.match(phone):
        raise InvalidInput("phone", _("A mobile number has 11 digits and starts with 1."))
    return number, phone


def _digest(number: str, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{PURPOSE}:{number}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _account(number: str, phone: str) -> Person | None:
    """The staff member (not an out-of-province learner: they have no password) with an active account."""
    return db.session.scalar(select(Person).join(User, User.id == Person.user_id).where(
        Person.with_id_number(number), Person.mobile == phone, Person.out_of_province.is_(False), User.active.is_(True)))


def request_code(number: str, phone: str) -> Notice:
    number, phone = _normalise(number, phone)
    moment = now()
    refused = sms_limits.refusal(number, phone, moment)
    if refused is not None:
        return Notice(False, *refused)
    person = _account(number, phone)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(SmsCode(id_number=number, phone=phone, code_hash=_digest(number, phone, code), purpose=PURPOSE,
                           person_id=person.id if person else None, created_at=moment, expires_at=moment + VALID_FOR,
                           attempts=0, ip=request.remote_addr))
    db.session.commit()
    if person is not None:
        login_services().send_sms(phone, _("Your CME portal password recovery code is %(code)s, valid for %(minutes)d "
                                           "minutes. If you did not ask for it, ignore this message.",
                                           code=code, minutes=VALID_FOR.seconds // 60))
    return Notice(True, str(SENT), int(sms_limits.RESEND_AFTER.total_seconds()))


def reset(number: str, phone: str, code: str, password: str) -> tuple[list[str], str]:
    """Set ``password`` for the account the code was sent for: problems for the user (none when
    done) and the account's username (once done: they may have forgotten it too).
    A wrong code counts as a try; a right one with a refused password can be used again (its tries
    permitting); the code is used up when the password is set."""
    number, phone = _normalise(number, phone)
    moment = now()
    latest = db.session.execute(
        select(SmsCode.id, SmsCode.code_hash, SmsCode.person_id)
        .where(SmsCode.with_id_number(number), SmsCode.phone == phone, SmsCode.purpose == PURPOSE)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1)).first()
    if latest is None:
        return [str(REFUSED)], ""
    live = (SmsCode.id == latest.id, SmsCode.used_at.is_(None), SmsCode.expires_at > moment)
    tried = db.session.execute(update(SmsCode).where(*live, SmsCode.attempts < MAX_TRIES)
                               .values(attempts=SmsCode.attempts + 1))
    db.session.commit()
    right = hmac.compare_digest(latest.code_hash, _digest(number, phone, (code or "").strip()))
    if tried.rowcount != 1 or latest.person_id is None or not right:
        return [str(REFUSED)], ""
    person = db.session.get(Person, latest.person_id)
    problems = password_problems(password, person.user.username, person.id_number)
    if problems:
        return problems, ""
    if db.session.execute(update(SmsCode).where(*live).values(used_at=moment)).rowcount != 1:
        db.session.rollback()
        return [str(REFUSED)], ""
    services.set_password(person.user, password, must_change=False)
    audit.write(audit.PASSWORD_RECOVERY, person.user, None, person.unit_id)
    db.session.commit()
    return [], person.user.username
