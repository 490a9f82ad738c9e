"""未达标人员: every person of a year who is not compliant (no rule set applying counts as not
compliant, as on the pages), province-wide or of a city, as an export read from the verdicts the
tallies job stored: streamed from the database (a job for a large list, through the export-job
machinery), never held whole in memory. The provincial admin's only (anyone else: not found);
each request for it is audited, as it lists personal data."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import abort, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.actor import Actor
from portal.compliance import stats, tallies
from portal.contracts import Column, Table
from portal.extensions import db
from portal.models import Person, PersonYearVerdict
from portal.models.sealed import unseal
from portal.people.masking import mask_id_number

KIND = "failing_people"
_V = PersonYearVerdict
# Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
BATCH = 2000


def failing_people(actor: Actor, params: Mapping[str, str]) -> Table:
    if not actor.is_province_admin:
        abort(404)
    year = stats.chosen_year(params.get("year"))
    units = stats.units()
    by_id = {u.id: u for u in units}
    city_id = str(params.get("city_id") or "")
    city = by_id.get(int(city_id)) if city_id.isdigit() else None
    if city_id and (city is None or city.kind != "city"):
        abort(404)
    query = (select(_V.unit_id, Person.name, Person.id_sealed, Person.title, _V.title_level, _V.credits, _V.required,
                    _V.class_1, _V.required_class_1, _V.class_2, _V.required_class_2, _V.shortfalls)
             .join(Person, Person.id == _V.person_id).where(_V.year == year, _V.compliant.is_not(True)))
    if city is not None:
        query = query.where(_V.unit_id.in_(stats.below_each(units)[city.id]))
    if has_request_context():  # the request that asks for it (the job builds the table again, unaudited)
        tallies.audit_export(actor, year, city.id if city else None)
    names = {u.id: u.name for u in units}
    city_of, county_of = stats.ancestor_of_each(units, "city"), stats.ancestor_of_each(units, "county")

    def rows() -> Iterator[tuple]:
        for (unit_id, name, sealed, title, level, credits, required, class_1, required_1, class_2, required_2,
             shortfalls) in db.session.execute(query.order_by(_V.unit_id, Person.person_no),
                                                execution_options={"yield_per": BATCH}):
            yield (names.get(unit_id, ""), names.get(city_of.get(unit_id), ""), names.get(county_of.get(unit_id), ""),
                   name, mask_id_number(unseal(sealed)) if sealed else "", title, level, credits, required, class_1,
                   required_1, class_2, required_2, "；".join(shortfalls) or _("No compliance standard applies"))

    columns = (
        Column(_("Unit name"), "text", 24), Column(_("Prefecture city"), "text", 14),
        Column(_("County or district"), "text", 14), Column(_("Name"), "text", 10), Column(_("ID number"), "text", 20),
        Column(_("Title"), "text", 12), Column(_("Title level"), "text", 8), Column(_("Total credits"), "credits", 10),
        Column(_("Credits required"), "credits", 10), Column(_("Class I credits"), "credits", 10),
        Column(_("Class I credits required"), "credits", 10), Column(_("Class II credits"), "credits", 10),
        Column(_("Class II credits required"), "credits", 10), Column(_("What is missing"), "text", 40),
    )
    title = _("%(area)s staff not compliant %(year)d", area=city.name if city else _("Whole province"), year=year)
    return Table(title=title, filename=title, columns=columns, rows=rows(),
                 expected_rows=db.session.scalar(select(func.count()).select_from(query.subquery())))
