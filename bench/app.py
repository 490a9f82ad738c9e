"""The bench app: the real portal app plus stock Flask-AppBuilder lists (the baselines), and
signing in through the real login form."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterEqualFunction, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface

from portal.accounts.actor import current_actor
from portal.models import CreditRecord, Person
from tests.helpers import CAPTCHA, make_test_app
from tests.helpers import login as form_login


class StockPeople(ModelView):
    """FAB's stock list over the same table: the baseline of the provincial search, with FAB's
    search filter on the name. The permission key is the portal's "People", which the unit
    admin's role grants too. Its page size is the portal's, so both render 20 rows."""

    route_base = "/stockpeople"
    class_permission_name = "People"
    datamodel = SQLAInterface(Person)
    list_columns = ["person_no", "name", "sex", "id_number", "unit", "department", "title", "status"]
    search_columns = ["name"]
    page_size = 20


class StockUnitStaff(StockPeople):
    """The baseline of the unit admin's staff list: the same stock list with FAB's own way to
    scope a view to the signed-in user, a base filter (here: the admin's unit)."""

    route_base = "/stockstaff"
    base_filters = [["unit_id", FilterEqualFunction, lambda: current_actor().unit_id]]


class StockMyCredits(ModelView):
    """The baseline of 录入学分查询管理: the signed-in learner's records but deleted ones, newest
    activity first (FAB adds the id as tie breaker), 20 to a page. Its search form is limited to
    plain columns: by default it offers every relation, and fills their dropdowns with every
    person, unit and evidence file of the province on each request."""

    route_base = "/stockmycredits"
    class_permission_name = "CreditEntry"
    datamodel = SQLAInterface(CreditRecord)
    base_filters = [["person_id", FilterEqualFunction, lambda: current_actor().person.id],
                    ["status", FilterNotEqual, "deleted"]]
    base_order = ("activity_date", "desc")
    list_columns = ["activity_date", "activity_name", "category", "credits", "hours", "status", "review_comment"]
    search_columns = ["activity_name", "activity_date", "status"]
    page_size = 20


class StockReviewQueue(ModelView):
    """The baseline of the review queue: the admin's unit's submitted records, first submitted
    first. Its search form is the queue's own filters but the person's name (categories, level,
    activity date), for the same reason."""

    route_base = "/stockreview"
    class_permission_name = "Review"
    datamodel = SQLAInterface(CreditRecord)
    base_filters = [["unit_id", FilterEqualFunction, lambda: current_actor().unit_id],
                    ["status", FilterEqual, "submitted"]]
    base_order = ("submitted_at", "asc")
    list_columns = ["person.name", "activity_date", "activity_name", "category", "credits", "hours"]
    search_columns = ["category", "credit_level", "activity_date"]
    page_size = 20


def make_app(database_url: str, instance: Path, **overrides) -> Flask:
    app = make_test_app(database_url, instance, AUTH_RATE_LIMIT="100000 per minute", **overrides)
    with app.app_context():
        app.appbuilder.add_view_no_menu(StockPeople())
        app.appbuilder.add_view_no_menu(StockUnitStaff())
        app.appbuilder.add_view_no_menu(StockMyCredits())
        app.appbuilder.add_view_no_menu(StockReviewQueue())
    return app


def login(client, username: str, password: str) -> None:
    """Sign in through the real web form (tests.helpers.login); fails loudly if it did not work."""
    response = form_login(client, username, password, captcha=CAPTCHA)
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "/login" in location or "password" in location:
        raise RuntimeError(f"could not sign in as {username}: {response.status_code} {location}")
