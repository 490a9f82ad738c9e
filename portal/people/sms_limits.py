"""The limits on SMS codes, asked by portal.people.sms_codes for every code it is asked for (the
out-of-province learners' sign-in, 找回账户密码, the phone app's sign-in), over the rows of the
sms_code table whatever their purpose:

- one code a minute per ID number and phone;
- so many a day per address (SMS_DAILY_LIMIT_PER_IP), per ID number and phone asked for, and per
  ID number and per phone among the codes actually sent to the phone on record
  (SMS_DAILY_LIMIT_PER_ID / _PER_PHONE): requests with someone's ID number and made-up phones
  cannot use up their day, and a registered pair and an unknown one answer alike."""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SmsCode

RESEND_AFTER = dt.timedelta(seconds=60)
LIMIT_WINDOW = dt.timedelta(hours=24)


def refusal(number: str, phone: str, moment: dt.datetime) -> tuple[str, int] | None:
    """Why no code may go out now (the message and the seconds to wait, 0 when waiting will not
    do), or None."""
    pair = (SmsCode.with_id_number(number), SmsCode.phone == phone)
    last = db.session.scalar(select(func.max(SmsCode.created_at)).where(*pair))
    if last is not None and moment - last < RESEND_AFTER:
        wait = math.ceil((RESEND_AFTER - (moment - last)).total_seconds())
        return _("A code was sent less than a minute ago: wait %(n)d seconds before asking for another.", n=wait), wait
    since, config, sent = moment - LIMIT_WINDOW, current_app.config, SmsCode.person_id.is_not(None)
    ip_limit = config["SMS_DAILY_LIMIT_PER_IP"]
    if db.session.scalar(select(func.count()).where(SmsCode.ip == request.remote_addr, SmsCode.created_at > since)) >= ip_limit:
        return _("Your network has asked for %(n)d codes in the last 24 hours, the most allowed; try again later.",
                 n=ip_limit), 0
    limits = ((pair, "SMS_DAILY_LIMIT_PER_ID"), ((SmsCode.with_id_number(number), sent), "SMS_DAILY_LIMIT_PER_ID"),
              ((SmsCode.phone == phone, sent), "SMS_DAILY_LIMIT_PER_PHONE"))
    for condition, setting in limits:
        if db.session.scalar(select(func.count()).where(*condition, SmsCode.created_at > since)) >= config[setting]:
            return _("This ID number or mobile number has had %(n)d codes in the last 24 hours, the most allowed; "
                     "try again later.", n=config[setting]), 0
    return None
