"""Example CME Portal plugin: one credit type, one page, one event listener.

Each app keeps its own record of the people created since start-up, in
``app.extensions["cme_portal_example_plugin"]["people_created"]`` (see :func:`people_created`)."""
from decimal import Decimal

from flask import current_app
from flask_appbuilder import BaseView, expose, has_access
from wtforms import DecimalField, Form, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, EvidenceRules, Score
from portal.hookspecs import hookimpl

EXTENSION = "cme_portal_example_plugin"


class ExampleCredit(CreditType):
    """Fixed credits a session; the category sets how many."""

    slug = "example_credit"
    label = "Example credit"
    description = "A credit type shipped by the example plugin."
    evidence = EvidenceRules(required=False)

    class Params(Form):
        credits_per_session = DecimalField("Credits per session", [InputRequired(), NumberRange(min=0)],
                                           default=Decimal("1.5"))

    class Fields(Form):
        sessions = IntegerField("Sessions", [InputRequired(), NumberRange(1, 50)])

    def score(self, data, params, context):
        return Score(credits=data["sessions"] * params["credits_per_session"])


class ExamplePluginView(BaseView):
    """GET /example-plugin/: plain text. Its permission key is ``ExamplePlugin``, which only the
    province administrator's role pattern matches; the page has no menu entry."""

    route_base = "/example-plugin"
    class_permission_name = "ExamplePlugin"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        names = ", ".join(people_created()) or "nobody yet"
        text = f"Example plugin is active. People created since start-up: {names}\n"
        return text, 200, {"Content-Type": "text/plain; charset=utf-8"}


def people_created() -> list[str]:
    """Names of the people created in the current app since it started (kept in memory)."""
    return current_app.extensions.setdefault(EXTENSION, {"people_created": []})["people_created"]


@hookimpl
def register_credit_types():
    return [ExampleCredit]


@hookimpl
def register_views(appbuilder):
    people_created()  # start this app's (empty) record
    appbuilder.add_view_no_menu(ExamplePluginView)


@hookimpl
def person_created(person, actor):
    people_created().append(person.name)
