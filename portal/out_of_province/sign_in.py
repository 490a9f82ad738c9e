"""The core's half of the out-of-province learners' login (the SMS login is plugins/auth/sms/):
who is such a learner, their codes (portal.people.sms_codes), signing them in, and the SMS sender
that PORTAL_SMS_SENDER names."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, url_for
from flask_appbuilder.security.sqla.models import User
from flask_login import login_user
from sqlalchemy import select

from portal.contracts import LOGIN_SERVICES, SMS_SENDER, Learner, LoginServices, SmsNotice
from portal.extensions import db
from portal.models import Person
from portal.people import id_number as id_numbers
from portal.people import sms_codes

# The sms_code rows of this login.
PURPOSE = "login"


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

    def _find_learner(self, id_number: str, phone: str) -> Learner | None:
        """The active out-of-province learner with this ID number and mobile number, if any."""
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

    def request_code(self, id_number: str, phone: str, text: Callable[[str, int], str], sent: str) -> SmsNotice:
        learner = self._find_learner(id_number, phone)
        return sms_codes.issue(PURPOSE, id_number, phone, learner.id if learner else None, text, sent)

    def check_code(self, id_number: str, phone: str, code: str) -> Learner | None:
        found = sms_codes.attempt(PURPOSE, id_number, phone, code)
        # Of two checks of the same code at once, only the one that uses it up signs in.
        if found is None or not sms_codes.use(found):
            db.session.rollback()
            learner = self._find_learner(id_number, phone)
            sms_codes.sign_in_failed(db.session.get(Person, learner.id) if learner else None)
            return None
        db.session.commit()
        return self.learner(found.person_id)
