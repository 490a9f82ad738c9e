"""Codes sent by SMS to the mobile number on record, the one core service for every use of them:
the out-of-province learners' sign-in (plugins/auth/sms, through portal.out_of_province.sign_in),
找回账户密码 (portal.people.recovery) and the phone app's sign-in (portal.mobile). A code has 6
digits, is valid 5 minutes, works once and survives at most 5 tries; asking for one is limited by
portal.people.sms_limits, over every row of the sms_code table whatever its purpose.

A request writes a row whether or not the number belongs to someone (``person_id`` None: no SMS
went out), so that the limits apply either way and the answer is the same; the code itself is
never stored, only its HMAC under the app's secret key."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from portal.accounts import audit
from portal.contracts import SMS_SENDER, SmsNotice
from portal.extensions import db
from portal.models import Person, SmsCode
from portal.models.clock import now
from portal.people import sms_limits
from portal.people.masking import mask_phone

CODE_DIGITS = 6
VALID_FOR = dt.timedelta(minutes=5)
MAX_TRIES = 5
MOBILE = re.compile(r"^1\d{10}$")


class InvalidInput(ValueError):
    """A number that cannot be right; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Attempt:
    """A right code, counted as a try and not yet used up (:func:`use`)."""

    code_id: int
    person_id: int


def mobile(text: str | None) -> str:
    """The mobile number as stored (digits only), or InvalidInput for the field ``phone``."""
    phone = "".join((text or "").split())
    if not MOBILE.match(phone):
        raise InvalidInput("phone", _("A mobile number has 11 digits and starts with 1."))
    return phone


def issue(purpose: str, number: str, phone: str, person_id: int | None, text: Callable[[str, int], str],
          sent: str) -> SmsNotice:
    """Write a code for (``number``, ``phone``) and, when ``person_id`` is someone's, send
    ``text(code, minutes)`` to the phone; ``sent`` is the answer either way (unless a limit refuses)."""
    moment = now()
    refused = sms_limits.refusal(number, phone, moment)
    if refused is not None:
        return SmsNotice(False, *refused)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    # Rows past the limits' day are of no more use.
    db.session.execute(delete(SmsCode).where(SmsCode.created_at < moment - sms_limits.LIMIT_WINDOW))
    db.session.add(SmsCode(id_number=number, phone=phone, code_hash=_digest(purpose, number, phone, code), purpose=purpose,
                           person_id=person_id, created_at=moment, expires_at=moment + VALID_FOR, attempts=0,
                           ip=request.remote_addr))
    db.session.commit()
    if person_id is not None:
        send(phone, text(code, VALID_FOR.seconds // 60))
    return SmsNotice(True, sent, int(sms_limits.RESEND_AFTER.total_seconds()))


def send(phone: str, text: str) -> bool:
    """Hand ``text`` to the SMS sender that PORTAL_SMS_SENDER names. A failure is logged and answered
    like a sent code (False), so that it tells nobody whether the number is someone's."""
    try:
        current_app.extensions[SMS_SENDER].send(phone, text)
    except Exception:
        current_app.logger.exception("the SMS to %s could not be sent", mask_phone(phone))
        return False
    return True


def attempt(purpose: str, number: str, phone: str, code: str) -> Attempt | None:
    """The latest code of ``purpose`` for (``number``, ``phone``) when it is ``code``, still
    valid, unused and not tried too often; None otherwise. Every call counts as a try."""
    latest = db.session.execute(
        select(SmsCode.id, SmsCode.code_hash, SmsCode.person_id)
        .where(SmsCode.with_id_number(number), SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1)).first()
    if latest is None:
        return None
    # Each try is counted before the comparison, in one conditional UPDATE, so that guesses sent
    # in parallel cannot get past MAX_TRIES; the right code on the last try still works.
    tried = db.session.execute(update(SmsCode).where(*_live(latest.id), SmsCode.attempts < MAX_TRIES)
                               .values(attempts=SmsCode.attempts + 1))
    db.session.commit()
    right = hmac.compare_digest(latest.code_hash, _digest(purpose, number, phone, (code or "").strip()))
    if tried.rowcount != 1 or latest.person_id is None or not right:
        return None
    return Attempt(latest.id, latest.person_id)


def sign_in_failed(person: Person | None) -> None:
    """Audit a refused SMS sign-in (a wrong, spent or expired code) against the account it was
    for, when one is known; in a transaction of its own, so the caller's rollback keeps it."""
    audit.write(audit.SIGN_IN_FAILED, person.user if person else None, None, person.unit_id if person else None,
                after={"reason": "sms_code"})
    db.session.commit()


def use(found: Attempt) -> bool:
    """Use the code up, in the caller's transaction: False when another request used it first."""
    return db.session.execute(update(SmsCode).where(*_live(found.code_id)).values(used_at=now())).rowcount == 1


def _live(code_id: int) -> tuple:
    return SmsCode.id == code_id, SmsCode.used_at.is_(None), SmsCode.expires_at > now()


def _digest(purpose: str, number: str, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{number}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()
