"""Registers the core's pages, APIs and menu (the menu users know from the provincial system)."""
from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import documents, exports
from portal.accounts.views import PasswordView
from portal.categories.api import CreditCategoryApi
from portal.categories.views import CategoryView
from portal.certificates import views as certificates
from portal.compliance import unit_export
from portal.compliance.api import ComplianceApi
from portal.compliance.dashboards import ProvinceDashboardView, UnitDashboardView
from portal.compliance.views import ComplianceView
from portal.compliance.year_records import compliance_table
from portal.credit_forms import views as credit_forms
from portal.credits.api import CreditApi, ReviewApi
from portal.credits.query import credit_table
from portal.credits.query_views import CreditQueryView
from portal.credits.views import CreditEntryView
from portal.dictionaries.api import DictionaryApi
from portal.dictionaries.views import DictionaryModelView
from portal.exports import builders
from portal.out_of_province.views import OutOfProvinceView
from portal.people.api import MeApi, PeopleApi
from portal.people.views import PeopleView, ProfileView
from portal.plugins import Registry
from portal.review.views import ReviewView
from portal.standards.api import RuleSetApi
from portal.standards.views import StandardsBrowseView, StandardsView
from portal.units.api import UnitApi
from portal.units.views import UnitModelView, UnitTreeView


def register_views(appbuilder: AppBuilder, registry: Registry) -> None:
    appbuilder.add_view_no_menu(CreditEntryView)
    exports.register(appbuilder)
    for kind, builder in (("credits", credit_table), ("compliance", compliance_table),
                          (unit_export.KIND, unit_export.unit_compliance)):
        builders.add(current_app, kind, builder)
    for name, label, endpoint in (
        ("CreditEntryFree", _l("Enter credits (free form)"), "/credits/new/free"),
        ("CreditEntryWizard", _l("Enter credits (wizard)"), "/credits/wizard"),
        ("MyCredits", _l("My entered credits"), "/credits/mine"),
    ):
        appbuilder.add_link(name, label=label, href=endpoint, icon="fa-pen-to-square", category="CreditManagement",
                            category_label=_l("Credit management"), category_icon="fa-graduation-cap")
    appbuilder.add_view(ProfileView, "Profile", label=_l("My profile"), icon="fa-id-card")
    appbuilder.add_view(PeopleView, "People", label=_l("Staff"), icon="fa-users")
    appbuilder.add_view(ReviewView, "Review", label=_l("Credit review"), icon="fa-clipboard-check")
    appbuilder.add_view(UnitTreeView, "UnitTree", label=_l("Unit tree"), icon="fa-sitemap",
                        category="Units", category_label=_l("Units"), category_icon="fa-hospital")
    appbuilder.add_view(UnitModelView, "UnitList", label=_l("Edit units"), icon="fa-pen", category="Units")
    appbuilder.add_link("UnitAdmins", label=_l("Unit admins"), href="/people/?role=unit_admin",
                        icon="fa-user-shield", category="Units")
    appbuilder.add_view(CategoryView, "Categories", label=_l("Credit categories"), icon="fa-list",
                        category="Configuration", category_label=_l("Configuration"), category_icon="fa-sliders-h")
    appbuilder.add_view(DictionaryModelView, "Dictionaries", label=_l("Dictionaries"), icon="fa-book", category="Configuration")
    appbuilder.add_view(StandardsView, "Standards", label=_l("Compliance standards"), icon="fa-clipboard-list",
                        category="Configuration")
    appbuilder.add_view(CreditQueryView, "CreditQuery", label=_l("Credit query"), icon="fa-search",
                        category="Statistics", category_label=_l("Statistics"), category_icon="fa-chart-bar")
    appbuilder.add_view(ComplianceView, "ComplianceQuery", label=_l("Compliance query"), icon="fa-check-circle",
                        category="Statistics")
    appbuilder.add_view(UnitDashboardView, "UnitDashboard", label=_l("Unit compliance"), icon="fa-chart-bar",
                        category="Statistics", category_label=_l("Statistics"), category_icon="fa-chart-bar")
    appbuilder.add_view(ProvinceDashboardView, "ProvinceDashboard", label=_l("Provincial compliance"), icon="fa-chart-bar",
                        category="Statistics", category_label=_l("Statistics"), category_icon="fa-chart-bar")
    appbuilder.add_view(StandardsBrowseView, "StandardsBrowse", label=_l("Compliance standards in force"),
                        icon="fa-scale-balanced", category="Statistics", category_label=_l("Statistics"),
                        category_icon="fa-chart-bar")
    appbuilder.add_view(OutOfProvinceView, "OutOfProvince", label=_l("My credit certificates"), icon="fa-certificate")
    appbuilder.add_view(PasswordView, "Password", label=_l("Change password"), icon="fa-key",
                        category="Settings", category_label=_l("Settings"), category_icon="fa-cog")
    appbuilder.add_api(PeopleApi)
    appbuilder.add_api(MeApi)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(DictionaryApi)
    appbuilder.add_api(CreditCategoryApi)
    appbuilder.add_api(CreditApi)
    appbuilder.add_api(ReviewApi)
    appbuilder.add_api(RuleSetApi)
    appbuilder.add_api(ComplianceApi)
    documents.register(appbuilder)
    certificates.register(appbuilder)
    credit_forms.register(appbuilder)
    for method in registry.login_methods.values():
        for view in method.views:
            appbuilder.add_view_no_menu(view)
