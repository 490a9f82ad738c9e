"""The SMS login's rules and its code store. A code has 6 digits, is valid 5 minutes, works once
and survives at most 5 tries; the limits on asking for codes (one a minute, so many a day) are the
portal's, shared with its other uses of SMS codes (LoginServices.sms_refusal).

Nothing tells whether an ID number is registered: a request for a code writes a row and gives
the same answer either way (the SMS goes out only when the ID number and phone belong to an
out-of-province learner), and every failed check gives the same message. Who is a learner,
signing in and sending the SMS are the core's (portal.contracts.LoginServices)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from portal.contracts import Learner, login_services
from portal.extensions import db
from portal.models import SmsCode
from portal.models.clock import now

CODE_DIGITS = 6
VALID_FOR = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_TRIES = 5
LIMIT_WINDOW = dt.timedelta(hours=24)
MOBILE = re.compile(r"^1\d{10}$")

SENT = _l("If the ID number and mobile number match a registered out-of-province learner, a code has "
          "been sent to that phone. It is valid for 5 minutes.")
REFUSED = _l("The code is wrong or no longer valid. Check it, or ask for a new code.")


class InvalidInput(ValueError):
    """An ID number or phone number that cannot be right; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Result:
    """The answer to a request for a code: ``sent`` is True for the one answer that says a code
    may be on its way; ``wait`` is how many seconds to wait before asking again."""

    sent: bool
    message: str
    wait: int = 0


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


def request_code(id_number: str, phone: str) -> Result:
    number, phone = normalise(id_number, phone)
    moment = now()
    refused = login_services().sms_refusal(number, phone, moment)
    if refused is not None:
        return Result(False, *refused)
    learner = login_services().find_learner(number, phone)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    db.session.execute(delete(SmsCode).where(SmsCode.created_at < moment - LIMIT_WINDOW))
    db.session.add(SmsCode(id_number=number, phone=phone, code_hash=_digest(number, phone, code),
                           person_id=learner.id if learner else None, created_at=moment, expires_at=moment + VALID_FOR,
                           attempts=0, ip=request.remote_addr))
    db.session.commit()
    if learner is not None:
        # A failed send must not answer differently from an unknown ID number: the core logs it.
        login_services().send_sms(phone, _("Your CME portal sign-in code is %(code)s, valid for %(minutes)d minutes. "
                                           "If you did not ask for it, ignore this message.",
                                           code=code, minutes=VALID_FOR.seconds // 60))
    return Result(True, str(SENT), int(RESEND_AFTER.total_seconds()))


def check_code(id_number: str, phone: str, code: str) -> Learner | None:
    """The out-of-province learner whose latest code for this ID number and phone is ``code``,
    still valid, unused and not tried too often; None otherwise. The code is used up on success."""
    number, phone = normalise(id_number, phone)
    moment = now()
    latest = db.session.execute(
        select(SmsCode.id, SmsCode.code_hash, SmsCode.person_id)
        .where(SmsCode.with_id_number(number), SmsCode.phone == phone, SmsCode.purpose == "login")
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1)).first()
    if latest is None:
        return None
    live = (SmsCode.id == latest.id, SmsCode.used_at.is_(None), SmsCode.expires_at > moment)
    # Each try is counted before the comparison, in one conditional UPDATE, so that guesses sent
    # in parallel cannot get past MAX_TRIES; the right code on the last try still works.
    tried = db.session.execute(update(SmsCode).where(*live, SmsCode.attempts < MAX_TRIES)
                               .values(attempts=SmsCode.attempts + 1))
    db.session.commit()
    right = hmac.compare_digest(latest.code_hash, _digest(number, phone, (code or "").strip()))
    if tried.rowcount != 1 or latest.person_id is None or not right:
        return None
    # Of two checks of the same code at once, only the one whose UPDATE marks it used signs in.
    used = db.session.execute(update(SmsCode).where(*live).values(used_at=moment))
    db.session.commit()
    if used.rowcount != 1:
        return None
    return login_services().learner(latest.person_id)


def _digest(number: str, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{number}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()
