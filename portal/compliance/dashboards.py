"""The compliance dashboards: a unit's year (rate, charts by title level and department, the
staff who are not compliant yet, Excel export) and the province's (rate per city, drilling
down to the city's units and a unit's people). A unit admin's page judges its staff live with one
``services.results`` call; the provincial admin's pages read what the tallies job stored."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import areas, failing_export, services, stats, tallies, unit_export, verdicts
from portal.models.units import UNIT_TIERS, UNIT_TYPES
from portal.pagination import paginate_list

PER_PAGE = 50
RANKED_PER_PAGE = 20


class UnitDashboardView(BaseView):
    route_base = "/compliance/unit"
    class_permission_name = "UnitDashboard"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        year = stats.chosen_year(request.args.get("year"))
        unit_id = request.args.get("unit_id", type=int)
        if actor.is_province_admin and unit_id is None:
            return redirect(url_for("ProvinceDashboardView.index", year=year))
        unit = stats.unit_in_scope(actor, unit_id)
        unit_ids = stats.staff_units(actor, unit)
        trend_years = list(range(year - areas.TREND_YEARS + 1, year + 1))
        shown = dict(unit=unit, year=year, years=stats.years_offered(year), export_kind=unit_export.KIND,
                     unit_param=unit.id if actor.is_province_admin else None)
        if actor.is_province_admin:
            # The drill-down from the province reads what the tallies job stored; a unit's own admin sees it live.
            counts = tallies.shown(trend_years)
            stored = verdicts.unit_year(year, unit_ids, PER_PAGE)
            members = set(unit_ids)
            trend = [stats.of_count(y, str(y), counts[y].total(members)) for y in trend_years]
            return self.render_template(
                "portal/compliance/unit.html", title=_("Unit compliance"), total=stored.total,
                without_rules=stored.without_rules, by_title=stored.by_title, by_department=stored.by_department,
                trend=trend, page=stored.failing, computed_at=counts[year].computed_at, **shown)
        answers = services.results(year, unit_ids)
        failing = [a for a in answers if not a.verdict.compliant]
        trend = stats.trend(trend_years, unit_ids, answers, year)
        return self.render_template(
            "portal/compliance/unit.html", title=_("Unit compliance"), total=stats.tally(unit.id, unit.name, answers),
            without_rules=sum(1 for a in answers if a.verdict.compliant is None),
            by_title=stats.by_title_level(answers), by_department=stats.by_department(answers), trend=trend,
            page=paginate_list(failing, PER_PAGE), **shown,
        )


class ProvinceDashboardView(BaseView):
    route_base = "/compliance/province"
    class_permission_name = "ProvinceDashboard"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        found = areas.area(areas.Filters.of(request.args))
        return self.render_template(
            "portal/compliance/province.html", title=_("Provincial compliance"), area=found, year=found.filters.year,
            years=stats.years_offered(found.filters.year), city=found.city, groups=found.groups, total=found.total,
            ranking=paginate_list(found.ranking, RANKED_PER_PAGE), tiers=UNIT_TIERS, types=UNIT_TYPES,
            orders=areas.ORDERS, export_kind=areas.KIND, failing_kind=failing_export.KIND, trend_kind=areas.TREND_KIND,
            ranking_kind=areas.RANKING_KIND,
        )

    @expose("/recount", methods=["POST"])
    @has_access
    def recount(self):
        """重新计算: the tallies job judges every unit of the years shown again (audited)."""
        filters = areas.Filters.of(request.form)
        years = list(range(filters.year - areas.TREND_YEARS + 1, filters.year + 1))
        if tallies.recount(current_actor(), years):
            flash(_("The figures are being computed again; this page shows them when the run has finished."), "success")
        else:
            flash(_("The figures are being computed already."), "info")
        return redirect(url_for("ProvinceDashboardView.index", **filters.args()))
