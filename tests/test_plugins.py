"""The plugin contract as plugin authors meet it (docs/plugins.md): how the portal finds
built-in and installed plugins, what each hook does, and how a plugin that breaks the contract
stops start-up and names itself."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal import hookspecs
from portal.accounts.actor import actor_for
from portal.credits import services as credits
from portal.extensions import db
from portal.models import AuditEntry, CreditCategory, CreditRecord, CreditYearBucket, Person, append_only
from portal.plugins import PluginError, build_registry, builtin_plugin_names
from portal.review import services as review
from tests import helpers
from tests.helpers import login, make_test_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"
PLUGIN_DIST = Path(__file__).resolve().parent / "plugin_dist"
EXAMPLE_STATE = "cme_portal_example_plugin"  # where the example plugin keeps its per-app record

# The tests that exercise each hook ("module::test" for one in another module). A hook added to
# portal/hookspecs.py without an entry here (and a test that names it in its docstring) fails
# test_every_hook_is_documented_and_tested.
HOOK_TESTS = {
    "register_credit_types": ("test_installed_distribution_is_found_by_its_entry_point",
                              "test_two_plugins_registering_the_same_slug_are_refused"),
    "register_exporters": ("test_exporter_from_a_plugin_is_registered",
                           "test_two_plugins_registering_the_same_slug_are_refused"),
    "register_login_methods": ("test_password_login_is_the_builtin_auth_password_plugin",
                               "test_two_plugins_registering_the_same_slug_are_refused"),
    "register_sms_senders": ("tests.test_sms_login::test_the_sender_is_chosen_by_configuration",
                             "test_two_plugins_registering_the_same_slug_are_refused"),
    "register_notifiers": ("tests.test_notices::test_sms_delivery_keeps_to_the_daily_limit_and_the_log_names_nobody",
                           "tests.test_notices::test_an_unknown_notifier_stops_start_up"),
    "register_views": ("test_plugin_view_answers_the_province_admin_only",),
    "person_created": ("test_person_created_reaches_the_plugin",
                       "test_person_created_can_refuse_the_creation"),
    "credit_submitted": ("tests.test_credit_records::test_submission_and_review_are_plugin_events",),
    "credit_reviewed": ("tests.test_credit_records::test_submission_and_review_are_plugin_events",),
    "scan_upload": ("tests.test_risky_pdfs::test_clamd_sees_every_upload_and_a_virus_is_refused_with_nothing_stored",
                    "tests.test_risky_pdfs::test_a_configured_clamd_that_is_down_lets_nothing_through"),
    "register_app_entries": ("tests.test_faces::test_the_app_page_asks_consent_then_enrolls_and_offers_withdrawal",
                             "tests.test_faces::test_with_the_plugin_off_nothing_about_faces_appears"),
}


# --- helpers ---------------------------------------------------------------------------------

def hook_specs() -> dict:
    """The hooks declared in portal/hookspecs.py, by name."""
    return {name: f for name, f in vars(hookspecs).items() if callable(f) and hasattr(f, "portal_spec")}


def documented_hooks() -> dict[str, str]:
    """The ``### name`` sections under "## Hook reference" in docs/plugins.md, by name."""
    text = DOCS.read_text(encoding="utf-8")
    assert "\n## Hook reference\n" in text, "docs/plugins.md has no '## Hook reference' section"
    reference = text.split("\n## Hook reference\n", 1)[1].split("\n## ", 1)[0]
    return {s.split("\n", 1)[0].strip(): s for s in re.split(r"^### ", reference, flags=re.M)[1:]}


@contextmanager
def on_sys_path(directory: Path):
    """Make the distributions installed in ``directory`` importable and their entry points
    visible; afterwards remove the directory from sys.path and its modules from sys.modules
    (apps built meanwhile keep the plugin objects they registered)."""
    entry = str(directory)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(entry)
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(entry + os.sep):
                del sys.modules[name]
        importlib.invalidate_caches()


def fake_distribution(site: Path, plugins: dict[str, str]) -> Path:
    """What ``pip install`` leaves in ``site`` for one distribution per plugin: a module
    ``cme_fake_<name>`` with the given source and an entry point ``<name>`` in group ``portal``."""
    site.mkdir(parents=True, exist_ok=True)
    for name, source in plugins.items():
        module = "cme_fake_" + re.sub(r"\W", "_", name)
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        info = site / f"{module}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[portal]\n{name} = {module}\n")
    return site


def contract_plugin(hook: str, contract: str, slug: str, returns: str = "[Thing]") -> str:
    """Source of a plugin whose ``hook`` returns a ``contract`` subclass with ``slug``."""
    return f"""
from portal.hookspecs import hookimpl
from portal.contracts import {contract}


class Thing({contract}):
    slug = {slug!r}
    label = "Thing"
    media_type = "text/csv"
    file_extension = "csv"
    endpoint = "PortalAuthDBView.login"


@hookimpl
def {hook}():
    return {returns}
"""


def dispose(flask_app) -> None:
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()


BROKEN = """
import cme_portal_missing_dependency  # not installed: the plugin cannot be imported
"""


# --- (a) the contract is documented and tested ----------------------------------------------

def test_every_hook_is_documented_and_tested():
    specs = hook_specs()
    pm_hooks = {name for name, caller in vars(build_registry().pm.hook).items()
                if not name.startswith("_") and caller.has_spec()}
    assert set(specs) == pm_hooks and specs, "hookspecs and the plugin manager disagree"

    assert set(HOOK_TESTS) == set(specs), "every hook needs tests listed in HOOK_TESTS (and only hooks)"
    for hook, tests in HOOK_TESTS.items():
        for entry in tests:
            module_name, _, name = entry.rpartition("::")
            module = importlib.import_module(module_name) if module_name else sys.modules[__name__]
            test = getattr(module, name, None)
            assert name.startswith("test_") and inspect.isfunction(test), f"{name} (for {hook}) is not a test here"
            assert hook in (test.__doc__ or ""), f"{name} does not say in its docstring that it exercises {hook}"

    sections = documented_hooks()
    assert set(sections) == set(specs), "docs/plugins.md needs one '### name' section per hook, and no other"
    for name, spec in specs.items():
        section = sections[name]
        assert f"{name}{inspect.signature(spec)}" in section, f"the signature of {name} is not in its section"
        assert "**When:**" in section and "**Return:**" in section, f"{name}: say when it is called and what to return"
        assert "@hookimpl" in section and f"def {name}(" in section, f"{name}: the section needs an example"


# --- (b) built-in plugins -------------------------------------------------------------------

def test_password_login_is_the_builtin_auth_password_plugin(app, client):
    """register_login_methods: the built-in plugins/auth/password.py is plugin ``auth.password``
    and gives the login method ``password``; disabled, it is not loaded."""
    assert "auth.password" in builtin_plugin_names()
    registry = app.extensions["portal"]
    plugin = registry.pm.get_plugin("auth.password")
    assert plugin is not None and plugin.__name__ == "portal_plugins.auth.password"
    method = registry.login_methods["password"]
    assert method.endpoint == "PortalAuthDBView.login"
    assert client.get("/login/").status_code == 200

    without = build_registry(disabled=["auth.password"])
    assert without.pm.get_plugin("auth.password") is None
    assert "password" not in without.login_methods


# --- (c) a third-party distribution, installed with pip -------------------------------------

@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """tests/plugin_dist installed with pip into a temporary directory (not on sys.path)."""
    work = tmp_path_factory.mktemp("example-dist")
    source = work / "src"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(PLUGIN_DIST, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    site = work / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--target", str(site), str(source)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "cme_portal_example_plugin").is_dir()
    return site


@pytest.fixture(scope="module")
def example_app(app, database_url, example_site, tmp_path_factory):
    """A second app on the test database, built while the example distribution is installed.
    Depends on ``app`` so the session app is built (and the schema prepared) without it."""
    with on_sys_path(example_site):
        plugin_app = make_test_app(database_url, tmp_path_factory.mktemp("example-instance"))
    yield plugin_app
    dispose(plugin_app)


def test_installed_distribution_is_found_by_its_entry_point(example_app, example_site, app):
    """register_credit_types: the entry point ``example`` (group ``portal``) of the installed
    distribution is loaded, after the built-ins, and its credit type is registered."""
    registry = example_app.extensions["portal"]
    plugin = registry.pm.get_plugin("example")
    assert plugin is not None and plugin.__name__ == "cme_portal_example_plugin"
    assert Path(plugin.__file__).is_relative_to(example_site)
    names = [name for name, _ in registry.pm.list_name_plugin()]
    assert names.index("auth.password") < names.index("example")  # built-ins first
    credit = registry.credit_types["example_credit"]
    assert credit.label == "Example credit" and credit.__module__ == "cme_portal_example_plugin"
    # The session app was built without the distribution: plugins are per app.
    assert "example_credit" not in app.extensions["portal"].credit_types
    assert app.extensions["portal"].pm.get_plugin("example") is None


def test_plugin_view_answers_the_province_admin_only(example_app, app):
    """register_views: the plugin's page answers the provincial admin, sends anonymous visitors
    to the login page and refuses a learner, whose role does not match its permission key."""
    users = helpers.TestUsers(example_app)
    client = example_app.test_client()
    anonymous = client.get("/example-plugin/")
    assert anonymous.status_code == 302 and "/login/" in anonymous.location

    admin = users.province_admin()
    assert login(client, admin.username, admin.password).status_code == 302
    page = client.get("/example-plugin/")
    assert page.status_code == 200, page.get_data(as_text=True)
    assert page.mimetype == "text/plain"
    assert page.get_data(as_text=True).startswith("Example plugin is active.")

    learner = users.person(users.unit("330101"))
    other = example_app.test_client()
    assert login(other, learner.username, learner.password).status_code == 302
    refused = other.get("/example-plugin/")
    assert refused.status_code == 403 and "Example plugin" not in refused.get_data(as_text=True)

    assert app.test_client().get("/example-plugin/").status_code == 404  # not in the app without it


def test_person_created_reaches_the_plugin(example_app, app):
    """person_created: creating a person (portal.people.services.create) calls the plugin with
    the new person, in the app that created it."""
    users = helpers.TestUsers(example_app)
    unit = users.unit("330102")
    recorded = example_app.extensions[EXAMPLE_STATE]["people_created"]
    before = len(recorded)
    person = users.person(unit, name="王五")
    assert recorded[before:] == ["王五"]

    client = example_app.test_client()
    admin = users.province_admin()
    login(client, admin.username, admin.password)
    assert "王五" in client.get("/example-plugin/").get_data(as_text=True)

    with example_app.app_context():  # and the creation went through
        assert db.session.get(Person, person.id).name == "王五"
    assert EXAMPLE_STATE not in app.extensions  # the app without the plugin heard nothing


def test_person_created_can_refuse_the_creation(app, database_url, tmp_path):
    """person_created: a plugin that raises refuses the creation; neither the person nor the
    account is kept, and other people are still created."""
    site = fake_distribution(tmp_path / "site", {"gatekeeper": """
        from portal.hookspecs import hookimpl


        @hookimpl
        def person_created(person, actor):
            if person.name == "拒绝":
                raise ValueError("the gatekeeper plugin refuses " + person.name)
    """})
    with on_sys_path(site):
        gate_app = make_test_app(database_url, tmp_path / "instance")
    try:
        users = helpers.TestUsers(gate_app)
        unit = users.unit("330103")
        with pytest.raises(ValueError, match="gatekeeper plugin refuses"):
            users.person(unit, name="拒绝")
        accepted = users.person(unit, name="接受")
        with gate_app.app_context():
            names = list(db.session.scalars(select(Person.name)))
            accounts = db.session.scalar(
                select(func.count()).select_from(gate_app.appbuilder.sm.user_model)
                .where(gate_app.appbuilder.sm.user_model.first_name == "拒绝"))
        assert names == ["接受"] and accepted.id
        assert accounts == 0
    finally:
        dispose(gate_app)


# --- (d) a plugin that fails to import ------------------------------------------------------

def test_plugin_that_fails_to_import_stops_start_up_unless_disabled(app, database_url, tmp_path):
    site = fake_distribution(tmp_path / "site", {"broken": BROKEN})
    with on_sys_path(site):
        with pytest.raises(PluginError, match=r"^plugin 'broken' failed to load: ModuleNotFoundError: "
                                              r".*cme_portal_missing_dependency.*PORTAL_DISABLED_PLUGINS"):
            build_registry()
        with pytest.raises(PluginError, match=r"^plugin 'broken' failed to load"):
            make_test_app(database_url, tmp_path / "instance")
        started = make_test_app(database_url, tmp_path / "instance", DISABLED_PLUGINS=["broken"])
    try:
        registry = started.extensions["portal"]
        assert registry.pm.get_plugin("broken") is None
        assert "password" in registry.login_methods  # the other plugins are loaded
        assert started.test_client().get("/login/").status_code == 200
    finally:
        dispose(started)


def test_portal_disabled_plugins_setting_skips_plugins_by_name(tmp_path):
    """PORTAL_DISABLED_PLUGINS, as an operator sets it, skips a broken third-party plugin and a
    built-in alike (a fresh interpreter, since config.py reads the environment on import)."""
    site = fake_distribution(tmp_path / "site", {"broken": BROKEN})
    code = textwrap.dedent(f"""
        from portal import create_app
        app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": {str(tmp_path / 'instance')!r},
                          "SECRET_KEY": "s" * 40}})
        registry = app.extensions["portal"]
        print(sorted(name for name, _ in registry.pm.list_name_plugin()))
        print(sorted(registry.login_methods))
    """)
    env = {**os.environ, "PORTAL_DISABLED_PLUGINS": " broken , auth.password ",
           "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    plugins, methods = result.stdout.strip().splitlines()[-2:]
    assert "broken" not in plugins and "auth.password" not in plugins
    assert methods == "['sms']"


# --- (e) hooks that do not fit the contract -------------------------------------------------

@pytest.mark.parametrize("name, source, message", [
    ("typo", """
        from portal.hookspecs import hookimpl


        @hookimpl
        def register_credit_type():  # "s" missing
            return []
    """, r"^plugin 'typo' implements an unknown hook: unknown hook 'register_credit_type'"),
    ("wrong_args", """
        from portal.hookspecs import hookimpl


        @hookimpl
        def person_created(person, user):
            pass
    """, r"(?s)^plugin 'wrong_args' cannot be registered: .*\{'user'\} are declared in the hookimpl"),
    ("auth.password", """
        from portal.hookspecs import hookimpl


        @hookimpl
        def register_credit_types():
            return []
    """, r"^plugin 'auth.password' cannot be registered: Plugin name already registered"),
    ("instances", contract_plugin("register_credit_types", "CreditType", "inst", returns="[Thing()]"),
     r"^plugin 'instances' registered .*which is not a contract class with a slug"),
    ("raising", """
        from portal.hookspecs import hookimpl


        @hookimpl
        def register_exporters():
            raise RuntimeError("no template directory")
    """, r"^plugin 'raising' failed in register_exporters: RuntimeError: no template directory"),
], ids=["unknown-hook", "unknown-argument", "name-taken", "not-a-class", "raises"])
def test_plugin_that_breaks_the_contract_stops_start_up_naming_it(tmp_path, name, source, message):
    site = fake_distribution(tmp_path / "site", {name: source})
    with on_sys_path(site), pytest.raises(PluginError, match=message):
        build_registry()


def test_optional_hook_for_another_portal_version_is_allowed(tmp_path):
    site = fake_distribution(tmp_path / "site", {"future": """
        from portal.hookspecs import hookimpl


        @hookimpl(optionalhook=True)
        def person_archived(person, actor):
            pass
    """})
    with on_sys_path(site):
        registry = build_registry()
    assert registry.pm.get_plugin("future") is not None


# --- (f) slugs are unique -------------------------------------------------------------------

def test_exporter_from_a_plugin_is_registered(tmp_path):
    """register_exporters: the exporter classes a plugin returns are registered by slug."""
    site = fake_distribution(tmp_path / "site", {"csv_export": contract_plugin("register_exporters", "Exporter", "csv")})
    with on_sys_path(site):
        registry = build_registry()
    exporter = registry.exporters["csv"]
    assert exporter.media_type == "text/csv" and exporter.file_extension == "csv"
    assert exporter.__module__ == "cme_fake_csv_export"


@pytest.mark.parametrize("hook, contract", [
    ("register_credit_types", "CreditType"),
    ("register_exporters", "Exporter"),
    ("register_login_methods", "LoginMethod"),
    ("register_sms_senders", "SmsSender"),
])
def test_two_plugins_registering_the_same_slug_are_refused(tmp_path, hook, contract):
    """register_credit_types, register_exporters, register_login_methods, register_sms_senders:
    a slug registered by two plugins stops start-up, naming the plugin and the module that has
    the slug already."""
    site = fake_distribution(tmp_path / "site", {
        "dup_a": contract_plugin(hook, contract, "same"),
        "dup_b": contract_plugin(hook, contract, "same"),
    })
    with on_sys_path(site), pytest.raises(PluginError, match=r"^plugin 'dup_[ab]' registers slug 'same', "
                                                             r"already registered by cme_fake_dup_[ab]$") as error:
        build_registry()
    assert {"dup_a", "dup_b"} <= set(re.findall(r"dup_[ab]", str(error.value)))


def test_login_method_cannot_take_the_builtin_password_slug(tmp_path):
    site = fake_distribution(tmp_path / "site", {"sms": contract_plugin("register_login_methods", "LoginMethod", "password")})
    with on_sys_path(site), pytest.raises(
            PluginError, match=r"^plugin 'sms' registers slug 'password', already registered by portal_plugins.auth.password$"):
        build_registry()


def test_a_third_party_credit_type_is_configured_and_used_end_to_end(example_app):
    """register_credit_types: the example distribution's type is offered in the category editor,
    a category made from it is scored by it, and a learner's record goes through review."""
    users = helpers.TestUsers(example_app)
    unit = users.unit("330103")
    admin, reviewer = users.province_admin(), users.person(unit, role="unit_admin")
    learner = users.person(unit, self_entry=True)
    client = example_app.test_client()
    login(client, admin.username, admin.password)
    assert 'data-type="example_credit"' in client.get("/categories/new").get_data(as_text=True)
    form = client.get("/categories/new/example_credit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    saved = client.post("/categories/new/example_credit", data={
        "csrf_token": token, "name": "院内示范讲座", "credit_class": "II", "enabled": "y", "position": "99",
        "params-credits_per_session": "0.5", "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)

    with example_app.test_request_context():
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "院内示范讲座"))
        try:
            owner = actor_for(db.session.get(Person, learner.id).user)
            record = credits.create(owner, category, {"activity_name": "讲座", "activity_date": dt.date(2025, 6, 1)},
                                    {"sessions": "3"})
            assert (str(record.credits), record.credit_class) == ("1.50", "II")
            credits.submit(owner, [record])
            review.decide(actor_for(db.session.get(Person, reviewer.id).user), [record], "approve")
            assert record.status == "approved"
        finally:  # categories outlive a test's data: remove this one and what refers to it
            ids = select(CreditRecord.id).where(CreditRecord.category_id == category.id)
            with append_only.suspended(db.session.connection()):
                db.session.execute(delete(AuditEntry).where(AuditEntry.record_id.in_(ids)))
                db.session.execute(delete(CreditRecord).where(CreditRecord.category_id == category.id))
            db.session.execute(delete(CreditYearBucket).where(CreditYearBucket.category_id == category.id))
            db.session.delete(category)
            db.session.commit()
