"""Staff (人员): the admins' list and editor, a person's own profile, and their API."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.people.api import MeApi, PeopleApi
    from portal.people.import_views import StaffImportView
    from portal.people.services import PersonNeeded
    from portal.people.views import PeopleView, PersonalDataView, ProfileView, RecoveryView, pick_person

    appbuilder.add_view(ProfileView, "Profile", label=_l("My profile"), icon="fa-id-card")
    appbuilder.add_view(PeopleView, "People", label=_l("Staff"), icon="fa-users")
    appbuilder.add_view_no_menu(StaffImportView)
    appbuilder.add_view_no_menu(PersonalDataView)
    appbuilder.add_api(PeopleApi)
    appbuilder.add_api(MeApi)
    current_app.register_error_handler(PersonNeeded, pick_person)
    recover = appbuilder.add_view_no_menu(RecoveryView)
    appbuilder.sm.limiter.limit(lambda: current_app.config["SMS_RATE_LIMIT"], methods=["POST"])(recover.blueprint)
