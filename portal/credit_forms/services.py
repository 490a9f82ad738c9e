"""Generating, finding and verifying forms. Each generation freezes a new form: what it states
never changes afterwards, and its QR code keeps answering with that content."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.accounts.actor import Actor
from portal.certificates.services import add_numbered, new_number, verified
from portal.compliance.stats import FIRST_YEAR
from portal.credit_forms import statements
from portal.extensions import db
from portal.models import CreditForm, Person
from portal.models.credit_forms import REGISTRATION, VERIFICATION
from portal.people import services as people

PREFIXES = {REGISTRATION: "DJ-", VERIFICATION: "YZ-"}
MAX_YEARS = 10


class YearsInvalid(ValueError):
    """The years asked for a verification table make no sense."""


def chosen_years(values: list[str]) -> list[int]:
    """The ticked years, checked: at least one, at most ten, none in the future or before 1990."""
    years: set[int] = set()
    last = dt.date.today().year
    for value in values:
        for part in str(value).split(","):
            if not part.strip():
                continue
            try:
                year = int(part)
            except ValueError:
                raise YearsInvalid(_("%(value)s is not a year.", value=part.strip()))
            if not FIRST_YEAR <= year <= last:
                raise YearsInvalid(_("Choose years from %(first)d to %(last)d.", first=FIRST_YEAR, last=last))
            years.add(year)
    if not years:
        raise YearsInvalid(_("Tick at least one year."))
    if len(years) > MAX_YEARS:
        raise YearsInvalid(_("Tick at most %(n)d years.", n=MAX_YEARS))
    return sorted(years)


def _issue(actor: Actor, person: Person, kind: str, state: Callable[[str, str, dt.date], dict[str, Any]]) -> CreditForm:
    person_id, user_id = person.id, actor.user.id

    def build() -> CreditForm:
        today = dt.date.today()
        number, token = new_number(today.year, PREFIXES[kind]), secrets.token_urlsafe(24)
        return CreditForm(number=number, token=token, kind=kind, person_id=person_id,
                          statement=state(number, token, today), issued_by=user_id, verification_count=0)

    return add_numbered(build)


def registration(actor: Actor, person: Person, year: int) -> CreditForm:
    """A new 学分登记表 of ``person``'s ``year`` (the caller has checked the actor may see them)."""
    return _issue(actor, person, REGISTRATION,
                  lambda number, token, today: statements.registration(person, year, number, token, today))


def verification(actor: Actor, person: Person, years: list[int]) -> CreditForm:
    """A new 多年度学分验证表 of ``person`` for ``years``."""
    return _issue(actor, person, VERIFICATION,
                  lambda number, token, today: statements.verification(person, years, number, token, today))


def visible(actor: Actor) -> Select:
    """Forms of the people the actor may see: their own; the unit's staff; everyone for the province."""
    query = select(CreditForm)
    if actor.is_province_admin:
        return query
    seen = people.scoped(actor).with_only_columns(Person.id)
    if actor.person is not None:
        return query.where((CreditForm.person_id == actor.person.id) | CreditForm.person_id.in_(seen))
    return query.where(CreditForm.person_id.in_(seen))


def find(actor: Actor, number: str) -> CreditForm:
    form = db.session.scalar(visible(actor).where(CreditForm.number == number.strip().upper()))
    if form is None:
        abort(404)
    return form


def of_person(person_id: int, kind: str) -> list[CreditForm]:
    """The person's forms of a kind, newest first (with how often each was verified)."""
    return list(db.session.scalars(select(CreditForm).where(CreditForm.person_id == person_id, CreditForm.kind == kind)
                                   .order_by(CreditForm.id.desc())))


def verify(token: str) -> CreditForm | None:
    return verified(CreditForm, token)
