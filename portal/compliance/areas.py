"""The province's compliance above unit level, for the provincial and city dashboards and their
Excel exports: an area (the whole province, a city, or a county of a city: the unit filter goes
city → county → unit), its rate, its parts (cities; or the area's units ranked best first), the
last five years' trend (the area, and each city of the province), and unit rankings filtered by
tier and type. Everything is summed from ``tallies`` (computed by the tallies job, never judged
in the request)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import gettext as _

from portal.accounts.actor import Actor
from portal.compliance import stats, tallies
from portal.compliance.tallies import Count
from portal.contracts import Column, Table
from portal.models.units import UNIT_TIERS, UNIT_TYPES

KIND = "area_compliance"
TREND_KIND = "area_trend"
RANKING_KIND = "unit_ranking"
TREND_YEARS = 5
# Orders of the unit ranking: best rate first, worst rate first, most staff not compliant first.
ORDERS = ("best", "worst", "failing")


@dataclass(frozen=True)
class Filters:
    """What the page (and its exports) were asked for, checked."""

    year: int
    city_id: int | None = None
    county_id: int | None = None
    tier: str = ""
    type: str = ""
    order: str = "best"

    @classmethod
    def of(cls, params: Mapping[str, str]) -> Filters:
        def number(name: str) -> int | None:
            value = str(params.get(name) or "")
            return int(value) if value.isdigit() else None

        order = params.get("order") or "best"
        return cls(stats.chosen_year(params.get("year")), number("city_id"), number("county_id"),
                   params.get("tier") if params.get("tier") in UNIT_TIERS else "",
                   params.get("type") if params.get("type") in UNIT_TYPES else "", order if order in ORDERS else "best")

    def args(self, **changes: Any) -> dict[str, Any]:
        """The filters as query arguments (empty ones left out)."""
        values = {"year": self.year, "city_id": self.city_id, "county_id": self.county_id, "tier": self.tier,
                  "type": self.type, "order": self.order if self.order != "best" else None, **changes}
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True)
class Series:
    label: str
    points: list[stats.Group]  # one per year, oldest first


@dataclass(frozen=True)
class Ranked:
    unit_id: int
    name: str
    city: str
    tier: str
    type: str
    group: stats.Group

    @property
    def failing(self) -> int:
        return self.group.staff - self.group.compliant


@dataclass(frozen=True)
class Area:
    filters: Filters
    city: Any | None          # the city whose units these are; None: the whole province by city
    county: Any | None        # a county of that city narrowing it
    cities: list[Any]         # every city, for the filter
    counties: list[Any]       # the chosen city's counties, for the filter
    groups: list[stats.Group]
    total: stats.Group
    trend: list[Series]       # the area first, then (the whole province) each city
    trend_years: list[int]
    ranking: list[Ranked]
    computed_at: dt.datetime | None  # when the year's figures were computed; None: being computed
    waiting: int              # units whose figures wait for the next run of the tallies job

    @property
    def name(self) -> str:
        return self.county.name if self.county else self.city.name if self.city else _("Whole province")


def _grouped(counts: Mapping[int, Count], key: Callable[[int], Hashable], labels: Mapping[Hashable, str],
             members: set[int] | None) -> list[stats.Group]:
    """One group per key that has staff, in the order of ``labels`` (keys it lacks go last)."""
    summed: dict[Hashable, Count] = {}
    for unit_id, count in counts.items():
        if members is None or unit_id in members:
            summed[key(unit_id)] = summed.get(key(unit_id), Count()) + count
    order = list(labels) + sorted((k for k in summed if k not in labels), key=str)
    return [stats.of_count(k, labels.get(k, str(k)), summed[k]) for k in order if k in summed and summed[k].staff]


def _ranked(groups: list[stats.Group], order: str) -> list[stats.Group]:
    if order == "failing":
        return sorted(groups, key=lambda g: (-(g.staff - g.compliant), g.label))
    rated = sorted((g for g in groups if g.rate is not None), key=lambda g: (g.rate, g.staff), reverse=order == "best")
    return rated + [g for g in groups if g.rate is None]


def area(filters: Filters) -> Area:
    units = stats.units()
    by_id = {u.id: u for u in units}
    city_of = stats.city_of_each(units)
    city = county = None
    if filters.city_id is not None:
        city = by_id.get(filters.city_id)
        if city is None or city.kind != "city":
            abort(404)
    if filters.county_id is not None and city is not None:
        # A county of another city (the city was changed, the county not yet) narrows nothing.
        county = by_id.get(filters.county_id)
        if county is None or county.kind != "county" or county.parent_id != city.id:
            county = None
    counties = [u for u in units if city is not None and u.kind == "county" and u.parent_id == city.id]
    below = stats.below_each(units)
    members = below[county.id] if county else below[city.id] if city else None

    years = list(range(filters.year - TREND_YEARS + 1, filters.year + 1))
    counts = tallies.shown(years)
    this_year = counts[filters.year].units
    names = {u.id: u.name for u in units}
    city_labels = {u.id: u.name for u in units if u.kind == "city"}
    city_labels[None] = _("Units directly under the province")
    if city is None:
        groups = _grouped(this_year, city_of.get, city_labels, None)
    else:
        groups = _ranked(_grouped(this_year, lambda unit_id: unit_id, names, members), "best")
    total = stats.of_count(filters.county_id or filters.city_id, "", counts[filters.year].total(members))

    trend = [Series(_("Whole province") if city is None else (county or city).name,
                    [stats.of_count(y, str(y), counts[y].total(members)) for y in years])]
    if city is None:
        for city_id, label in city_labels.items():
            if city_id is not None:
                points = [stats.of_count(y, str(y), counts[y].total(below[city_id])) for y in years]
                if any(p.staff for p in points):
                    trend.append(Series(label, points))

    wanted = [u for u in units if (members is None or u.id in members) and u.id in this_year
              and (not filters.tier or u.tier == filters.tier) and (not filters.type or u.type == filters.type)]
    kept = {u.id: u for u in wanted}
    ranking = [Ranked(g.key, g.label, names.get(city_of.get(g.key), "—"), kept[g.key].tier, kept[g.key].type, g)
               for g in _ranked(_grouped(this_year, lambda unit_id: unit_id, names, set(kept)), filters.order)]
    cities = [u for u in units if u.kind == "city"]
    return Area(filters, city, county, cities, counties, groups, total, trend, years, ranking,
                counts[filters.year].computed_at, counts[filters.year].stale)


def _provincial(actor: Actor, params: Mapping[str, str]) -> Area:
    if not actor.is_province_admin:
        abort(404)
    return area(Filters.of(params))


def area_compliance(actor: Actor, params: Mapping[str, str]) -> Table:
    """The dashboard's table of cities or units as an export (the provincial admin only)."""
    found = _provincial(actor, params)
    ranked = found.city is not None
    columns = (Column(_("Rank"), "text", 6), Column(_("Unit name") if ranked else _("Prefecture city"), "text", 30),
               Column(_("Active staff"), "text", 10), Column(_("Compliant staff"), "text", 10),
               Column(_("Compliance rate"), "text", 10))
    title = _("%(area)s compliance %(year)d", area=found.name, year=found.filters.year)
    return Table(title=title, filename=title, columns=columns, expected_rows=len(found.groups),
                 rows=((str(n) if ranked else "", g.label, str(g.staff), str(g.compliant), _rate(g))
                       for n, g in enumerate(found.groups, 1)))


def area_trend(actor: Actor, params: Mapping[str, str]) -> Table:
    """The trend as shown: a row per area, a column per year (rate, and compliant of staff)."""
    found = _provincial(actor, params)
    columns = (Column(_("Area"), "text", 24), *(Column(str(y), "text", 18) for y in found.trend_years))
    title = _("%(area)s compliance rate %(first)d–%(last)d", area=found.name, first=found.trend_years[0],
              last=found.trend_years[-1])
    return Table(title=title, filename=title, columns=columns, expected_rows=len(found.trend),
                 rows=((s.label, *(f"{_rate(p)} ({p.compliant}/{p.staff})" for p in s.points)) for s in found.trend))


def unit_ranking(actor: Actor, params: Mapping[str, str]) -> Table:
    """The unit ranking as shown (its area, tier, type and order)."""
    found = _provincial(actor, params)
    columns = (Column(_("Rank"), "integer", 6), Column(_("Unit name"), "text", 30), Column(_("Prefecture city"), "text", 16),
               Column(_("Unit tier"), "text", 10), Column(_("Unit type"), "text", 14), Column(_("Active staff"), "integer", 10),
               Column(_("Compliant staff"), "integer", 10), Column(_("Not compliant"), "integer", 10),
               Column(_("Compliance rate"), "text", 10))
    title = _("%(area)s unit ranking %(year)d", area=found.name, year=found.filters.year)
    return Table(title=title, filename=title, columns=columns, expected_rows=len(found.ranking),
                 rows=((n, r.name, r.city, r.tier, r.type, r.group.staff, r.group.compliant, r.failing, _rate(r.group))
                       for n, r in enumerate(found.ranking, 1)))


def _rate(group: stats.Group) -> str:
    return f"{group.rate}%" if group.rate is not None else "—"
