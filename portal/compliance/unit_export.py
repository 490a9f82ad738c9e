"""The unit's compliance list as an export: every active staff member's year, compliant or not
(or, with ``failing=1``, the staff not compliant yet), with the figures and what is missing.
Who may export which unit is decided as on the page."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from portal.accounts.actor import Actor
from portal.compliance import services, stats
from portal.contracts import Column, Table

KIND = "unit_compliance"


def unit_compliance(actor: Actor, params: Mapping[str, str]) -> Table:
    year = stats.chosen_year(params.get("year"))
    unit_id = params.get("unit_id") or ""
    unit = stats.unit_in_scope(actor, int(unit_id) if unit_id.isdigit() else None)
    answers = services.results(year, stats.staff_units(actor, unit))
    failing = params.get("failing") == "1"
    if failing:  # the page's list of staff not compliant yet, every page of it
        answers = [a for a in answers if not a.verdict.compliant]
    columns = (
        Column(_("Staff number"), "text", 14), Column(_("Name"), "text", 10), Column(_("Department"), "text", 14),
        Column(_("Title level"), "text", 8), Column(_("Compliant?"), "text", 12), Column(_("Total credits"), "credits", 10),
        Column(_("Hours"), "hours", 8), Column(_("Class I credits"), "credits", 10),
        Column(_("Class II credits"), "credits", 10), Column(_("What is missing"), "text", 40),
    )
    title = (_("%(unit)s staff not compliant %(year)d", unit=unit.name, year=year) if failing
             else _("%(unit)s compliance %(year)d", unit=unit.name, year=year))
    return Table(
        title=title, filename=title, columns=columns, expected_rows=len(answers),
        rows=((a.person_no, a.name, a.department, a.title_level, a.verdict.result, a.verdict.credits,
               a.verdict.hours, a.verdict.class_1, a.verdict.class_2, "；".join(s.message for s in a.verdict.shortfalls))
              for a in answers),
    )
