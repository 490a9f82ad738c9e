"""The core's half of the out-of-province learners' login (the SMS login is plugins/auth/sms/):
who is such a learner, signing them in, and the SMS sender that PORTAL_SMS_SENDER names."""
from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, url_for
from flask_appbuilder.security.sqla.models import User
from flask_login import login_user
from sqlalchemy import select

from portal.contracts import LOGIN_SERVICES, SMS_SENDER, Learner, LoginServices
from portal.extensions import db
from portal.models import Person
from portal.people import id_number as id_numbers
from portal.people import sms_limits
from portal.people.masking import mask_phone


def init_app(app: Flask) -> None:
    """Make the SMS sender that SMS_SENDER names (a slug no plugin registers stops start-up) and
    lend login methods the core's services."""
    senders = app.extensions["portal"].sms_senders
    slug = app.config["SMS_SENDER"]
    if slug not in senders:
        known = ", ".join(sorted(senders)) or "none"
        raise RuntimeError(f"PORTAL_SMS_SENDER is {slug!r}, but no plugin registers an SMS sender with that slug "
                           f"(registered: {known})")
    app.extensions[SMS_SENDER] = senders[slug](app)
    app.extensions[LOGIN_SERVICES] = OutOfProvinceSignIn()


class OutOfProvinceSignIn(LoginServices):
    def id_number(self, text: str) -> str:
        return id_numbers.parse(text).number

    def find_learner(self, id_number: str, phone: str) -> Learner | None:
        person_id = db.session.scalar(
            select(Person.id).join(User, User.id == Person.user_id)
            .where(Person.with_id_number(id_number), Person.mobile == phone, Person.out_of_province.is_(True),
                   User.active.is_(True)))
        return None if person_id is None else Learner(person_id)

    def learner(self, person_id: int) -> Learner | None:
        person = db.session.get(Person, person_id)
        return Learner(person.id) if person is not None and person.out_of_province and person.user.active else None

    def sign_in(self, learner: Learner) -> str:
        user = db.session.get(Person, learner.id).user
        current_app.appbuilder.sm.update_user_auth_stat(user, True)
        login_user(user, remember=False)
        return url_for("OutOfProvinceView.index")

    def sms_refusal(self, id_number: str, phone: str, moment: dt.datetime) -> tuple[str, int] | None:
        return sms_limits.refusal(id_number, phone, moment)

    def send_sms(self, phone: str, text: str) -> bool:
        try:
            current_app.extensions[SMS_SENDER].send(phone, text)
        except Exception:
            current_app.logger.exception("the SMS to %s could not be sent", mask_phone(phone))
            return False
        return True
