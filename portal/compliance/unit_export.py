"""The unit's compliance list as an export: every active staff member's year, compliant or not
(or, with ``failing=1``, the staff not compliant yet), with the figures and what is missing.
Who may export which unit is decided as on the page. Judged live, as the page is: a city's or the
province's list (the provincial admin's) is judged a chunk of units at a time while the file is
written (portal.compliance.tallies.chunks), so that half a million people never sit in memory."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.actor import Actor
from portal.compliance import services, stats, tallies
from portal.compliance.services import PersonResult
from portal.contracts import Column, Table
from portal.extensions import db
from portal.models import Person

KIND = "unit_compliance"


def unit_compliance(actor: Actor, params: Mapping[str, str]) -> Table:
    year = stats.chosen_year(params.get("year"))
    unit_id = params.get("unit_id") or ""
    unit = stats.unit_in_scope(actor, int(unit_id) if unit_id.isdigit() else None)
    unit_ids = stats.staff_units(actor, unit)
    failing = params.get("failing") == "1"

    def judged(units: list[int]) -> list[PersonResult]:
        answers = services.results(year, units)
        return [a for a in answers if not a.verdict.compliant] if failing else answers

    wide = len(unit_ids) > 1  # a city's or the province's people: each row says whose staff they are
    answers: Iterable[PersonResult]
    if wide:  # how many there are is known once judged: the staff as they stand now is near enough for progress
        answers = (a for chunk in tallies.chunks(unit_ids) for a in judged(chunk))
        expected = db.session.scalar(select(func.count()).where(Person.unit_id.in_(unit_ids),
                                                                Person.out_of_province.is_(False)))
    else:
        answers = judged(unit_ids)
        expected = len(answers)
    columns = (
        *((Column(_("Unit name"), "text", 24),) if wide else ()),
        Column(_("Staff number"), "text", 14), Column(_("Name"), "text", 10), Column(_("Department"), "text", 14),
        Column(_("Title level"), "text", 8), Column(_("Compliant?"), "text", 12), Column(_("Total credits"), "credits", 10),
        Column(_("Hours"), "hours", 8), Column(_("Class I credits"), "credits", 10),
        Column(_("Class II credits"), "credits", 10), Column(_("What is missing"), "text", 40),
    )

    def rows() -> Iterator[tuple]:
        for a in answers:
            row = (a.person_no, a.name, a.department, a.title_level, a.verdict.result, a.verdict.credits,
                   a.verdict.hours, a.verdict.class_1, a.verdict.class_2,
                   "；".join(s.message for s in a.verdict.shortfalls))
            yield (a.unit_name, *row) if wide else row

    title = (_("%(unit)s staff not compliant %(year)d", unit=unit.name, year=year) if failing
             else _("%(unit)s compliance %(year)d", unit=unit.name, year=year))
    return Table(title=title, filename=title, columns=columns, expected_rows=expected, rows=rows())
