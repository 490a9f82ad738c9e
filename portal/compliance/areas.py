"""The province's compliance by area: its cities (and the units directly under the province), or
one city's units ranked best first. The provincial dashboard and its Excel export read it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import gettext as _

from portal.accounts.actor import Actor
from portal.compliance import services, stats
from portal.contracts import Column, Table

KIND = "area_compliance"


@dataclass(frozen=True)
class Area:
    city: Any | None          # the city whose units these are; None: the whole province by city
    groups: list[stats.Group]
    total: stats.Group


def area(year: int, city_id: int | None) -> Area:
    units = stats.units()
    city_of = stats.city_of_each(units)
    if city_id is None:
        answers = services.results(year)
        labels = {u.id: u.name for u in units if u.kind == "city"}
        labels[None] = _("Units directly under the province")
        return Area(None, stats.grouped(answers, lambda a: city_of.get(a.unit_id), labels), stats.tally(None, "", answers))
    city = next((u for u in units if u.id == city_id and u.kind == "city"), None)
    if city is None:
        abort(404)
    answers = services.results(year, [u.id for u in units if city_of.get(u.id) == city_id])
    groups = stats.grouped(answers, lambda a: a.unit_id, {u.id: u.name for u in units})
    ranked = sorted(groups, key=lambda g: -(g.rate if g.rate is not None else -1))
    return Area(city, ranked, stats.tally(city_id, city.name, answers))


def area_compliance(actor: Actor, params: Mapping[str, str]) -> Table:
    """The dashboard's table as an export (the provincial admin only)."""
    if not actor.is_province_admin:
        abort(404)
    year = stats.chosen_year(params.get("year"))
    city_id = params.get("city_id") or ""
    found = area(year, int(city_id) if city_id.isdigit() else None)
    columns = (Column(_("Rank"), "text", 6), Column(_("Unit name") if found.city else _("Prefecture city"), "text", 30),
               Column(_("Active staff"), "text", 10), Column(_("Compliant staff"), "text", 10),
               Column(_("Compliance rate"), "text", 10))
    title = _("%(area)s compliance %(year)d", area=found.city.name if found.city else _("Whole province"), year=year)
    return Table(title=title, filename=title, columns=columns, expected_rows=len(found.groups),
                 rows=((str(n) if found.city else "", g.label, str(g.staff), str(g.compliant),
                        f"{g.rate}%" if g.rate is not None else "—") for n, g in enumerate(found.groups, 1)))
