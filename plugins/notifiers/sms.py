"""Notices by SMS (slug ``sms``), through the SMS sender that PORTAL_SMS_SENDER names, to the
mobile number on the person's profile."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.contracts import SMS_SENDER, NoticeInfo, Notifier, PersonInfo
from portal.hookspecs import hookimpl

MAX_LENGTH = 140


class SmsNotifier(Notifier):
    slug = "sms"
    label = _l("SMS to the mobile number on the profile")

    def send(self, person: PersonInfo, notice: NoticeInfo) -> bool:
        if not person.mobile:
            return False
        text = f"【{notice.title}】{notice.body}"
        self.app.extensions[SMS_SENDER].send(person.mobile, text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH - 1] + "…")
        return True


@hookimpl
def register_notifiers():
    return [SmsNotifier]
