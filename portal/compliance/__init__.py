"""Compliance (达标): the yearly credit summary, the rule sets and judging a person's year."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.compliance import areas, failing_export, unit_export
    from portal.compliance.api import ComplianceApi
    from portal.compliance.dashboards import ProvinceDashboardView, UnitDashboardView
    from portal.compliance.views import ComplianceView
    from portal.compliance.year_records import compliance_table
    from portal.exports import builders

    appbuilder.add_view(ComplianceView, "ComplianceQuery", label=_l("Compliance query"), icon="fa-check-circle",
                        **menu.STATISTICS)
    appbuilder.add_view(UnitDashboardView, "UnitDashboard", label=_l("Unit compliance"), icon="fa-chart-bar",
                        **menu.STATISTICS)
    appbuilder.add_view(ProvinceDashboardView, "ProvinceDashboard", label=_l("Provincial compliance"),
                        icon="fa-chart-bar", **menu.STATISTICS)
    appbuilder.add_api(ComplianceApi)
    builders.add(current_app, "compliance", compliance_table)
    builders.add(current_app, unit_export.KIND, unit_export.unit_compliance)
    builders.add(current_app, areas.KIND, areas.area_compliance)
    builders.add(current_app, areas.TREND_KIND, areas.area_trend)
    builders.add(current_app, areas.RANKING_KIND, areas.unit_ranking)
    builders.add(current_app, failing_export.KIND, failing_export.failing_people)
