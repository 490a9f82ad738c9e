"""The compliance dashboards: a unit's year (rate, charts by title level and department, the
staff who are not compliant yet, Excel export) and the province's (rate per city, drilling
down to the city's units). Each reads everyone's year with one ``services.results`` call."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import areas, services, stats, tallies, unit_export
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
        answers = services.results(year, unit_ids)
        failing = [a for a in answers if not a.verdict.compliant]
        trend = stats.trend(list(range(year - areas.TREND_YEARS + 1, year + 1)), unit_ids, answers, year)
        return self.render_template(
            "portal/compliance/unit.html", title=_("Unit compliance"), unit=unit, year=year,
            years=stats.years_offered(year), total=stats.tally(unit.id, unit.name, answers),
            without_rules=sum(1 for a in answers if a.verdict.compliant is None),
            by_title=stats.by_title_level(answers), by_department=stats.by_department(answers), trend=trend,
            page=paginate_list(failing, PER_PAGE), export_kind=unit_export.KIND,
            unit_param=unit.id if actor.is_province_admin else None,
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
            orders=areas.ORDERS, export_kind=areas.KIND, trend_kind=areas.TREND_KIND, ranking_kind=areas.RANKING_KIND,
        )

    @expose("/recount", methods=["POST"])
    @has_access
    def recount(self):
        """重新计算往年数据: the kept figures of closed years are judged again when next shown."""
        tallies.recount()
        flash(_("The figures of past years will be computed again now."), "success")
        return redirect(url_for("ProvinceDashboardView.index", **areas.Filters.of(request.form).args()))
