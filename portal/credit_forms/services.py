"""Generating and finding forms. Each generation freezes a new form (portal.documents): what it
states never changes afterwards, and its QR code keeps answering with that content."""
from __future__ import annotations

import datetime as dt
from functools import partial

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.accounts.actor import Actor
from portal.compliance.stats import FIRST_YEAR
from portal.credit_forms import statement
from portal.documents import services as documents
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
                raise YearsInvalid(_("%(value)s is not a year.", value=part.strip())) from None
            if not FIRST_YEAR <= year <= last:
                raise YearsInvalid(_("Choose years from %(first)d to %(last)d.", first=FIRST_YEAR, last=last))
            years.add(year)
    if not years:
        raise YearsInvalid(_("Tick at least one year."))
    if len(years) > MAX_YEARS:
        raise YearsInvalid(_("Tick at most %(n)d years.", n=MAX_YEARS))
    return sorted(years)


def registration(actor: Actor, person: Person, year: int) -> CreditForm:
    """A new 学分登记表 of ``person``'s ``year`` (the caller has checked the actor may see them)."""
    return documents.issue(CreditForm, partial(statement.registration, person, year), prefix=PREFIXES[REGISTRATION],
                           kind=REGISTRATION, person_id=person.id, issued_by=actor.user.id)


def verification(actor: Actor, person: Person, years: list[int]) -> CreditForm:
    """A new 多年度学分验证表 of ``person`` for ``years``."""
    return documents.issue(CreditForm, partial(statement.verification, person, years), prefix=PREFIXES[VERIFICATION],
                           kind=VERIFICATION, person_id=person.id, issued_by=actor.user.id)


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

