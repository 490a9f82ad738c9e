"""The default SMS sender (slug ``log``), for development, demonstrations and tests: it sends
nothing. Each message goes, as one JSON object a line (time, phone, text), to ``sms_outbox.log``
(mode 0600) in the instance folder, where the code can be read; the app's log only says that one
was written. Choose a real sender with PORTAL_SMS_SENDER."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.contracts import SmsSender
from portal.hookspecs import hookimpl

OUTBOX = "sms_outbox.log"


class LogSender(SmsSender):
    slug = "log"
    label = _l("Log and outbox file (sends no SMS)")

    def __init__(self, app):
        super().__init__(app)
        self.path = Path(app.instance_path) / OUTBOX

    def send(self, phone: str, text: str) -> None:
        # A warning: with this sender in production, nobody receives their code. The phone and
        # the code go to the outbox only: the app log is read by more people than the portal's user.
        self.app.logger.warning("SMS not sent (log sender): the message is in %s", OUTBOX)
        line = json.dumps({"time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                           "phone": phone, "text": text}, ensure_ascii=False)
        # The file holds live codes: readable by the portal's user only.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")


@hookimpl
def register_sms_senders():
    return [LogSender]
