"""Configuration, CLI and the demo province; the catalog covers every UI string."""
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from config import MissingSecretKey
from portal.accounts.roles import UNIT_ADMIN
from portal.extensions import db
from portal.models import CreditRecord, Person, Unit
from tests.helpers import PASSWORD, api_token, free_port, login

ROOT = Path(__file__).resolve().parent.parent


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    import config

    first = config.instance_secret_key(tmp_path)
    assert len(first) >= 32 and config.instance_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_without_its_secret_key_refuses_to_start_and_names_the_file(tmp_path):
    from portal import create_app

    instance = tmp_path / "instance"
    with pytest.raises(MissingSecretKey, match=str(instance / "secret_key")):
        create_app({"SECRET_KEY": None, "PRODUCTION": True, "INSTANCE_PATH": str(instance),
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not (instance / "secret_key").exists()


def test_outside_production_a_new_secret_key_is_logged(tmp_path, caplog):
    from portal import create_app

    with caplog.at_level(logging.WARNING, logger="portal"):
        app = create_app({"SECRET_KEY": None, "PRODUCTION": False, "INSTANCE_PATH": str(tmp_path),
                          "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert [r for r in caplog.records if "made a new one" in r.getMessage() and str(tmp_path) in r.getMessage()]


def test_create_admin_cli_enforces_the_password_policy(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["portal", "create-admin", "--username", "chief", "--password", "password123"])
    assert weak.exit_code != 0
    ok = runner.invoke(args=["portal", "create-admin", "--username", "chief", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    client = app.test_client()
    assert login(client, "chief", PASSWORD).status_code == 302
    assert client.get("/units/").status_code == 200  # a provincial admin, no forced change


def test_demo_data_builds_the_demo_province(app):
    result = app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert result.exit_code == 0, result.output
    assert result.output.count("单位管理员") == 4 and "省级管理员" in result.output  # every admin shown once
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.kind == "city")) == 2
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.kind == "institution")) == 4
        people = db.session.scalars(select(Person)).all()
        staff = [p for p in people if not p.out_of_province]
        admins = [p for p in staff if any(r.name == UNIT_ADMIN for r in p.user.roles)]
        assert len(admins) == 4 and len(staff) - len(admins) == 40
        assert all(p.title for p in staff)
        (visitor,) = [p for p in people if p.out_of_province]
        assert (visitor.id_number, visitor.mobile) == ("310101198506120028", "13900001234")  # as README.md says
        statuses = db.session.execute(select(CreditRecord.status, func.count()).group_by(CreditRecord.status)).all()
        # 20 learners with self-entry, and the out-of-province learner's two approved records
        assert dict(statuses) == {"approved": 22, "submitted": 20, "draft": 20}
    credentials = Path(app.instance_path) / "demo-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    role, username, password = credentials.read_text(encoding="utf-8").splitlines()[2].split("\t")
    assert role == "单位管理员"
    assert api_token(app.test_client(), username, password)
    assert app.test_cli_runner().invoke(args=["portal", "demo-data"]).exit_code != 0  # not twice


def test_openapi_lists_our_endpoints(app, users):
    province = users.province_admin()
    client = app.test_client()
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {api_token(client, province.username, PASSWORD)}"})
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert {"/people/", "/people/{person_id}", "/me", "/me/password", "/units/"} <= {p.replace("/api/v1", "") for p in paths}


def test_every_ui_string_has_a_chinese_translation():
    method_map = [("portal/**.py", "python"), ("plugins/**.py", "python"), ("portal/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(ROOT), method_map, keywords=keywords)
             if not any(part in msg[0] for part in (".venv", "tests", "bench"))}
    with open(ROOT / "portal/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        # A plural entry is found by its singular and needs every form translated.
        catalog = {m.id[0] if m.pluralizable else m.id: all(m.string) if m.pluralizable else m.string
                   for m in read_po(f) if m.id}
    missing = sorted(s for s in found if not catalog.get(s))
    assert not missing, f"untranslated: {missing}"


def test_english_is_available(client):
    client.get("/lang/en")
    assert "Sign in" in client.get("/login/").get_data(as_text=True)


def test_flask_db_upgrade_is_idempotent(database_url, tmp_path):
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal:create_app", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_package_is_listed_for_installation():
    """pyproject.toml lists packages explicitly (plugins/ installs as portal_plugins): a package
    missing there would be absent from a wheel, though the editable install hides it."""
    import tomllib

    from setuptools import find_packages

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(ROOT), include=["portal", "portal.*"]))
    found |= {"portal_plugins" + p[len("plugins"):] for p in find_packages(str(ROOT), include=["plugins", "plugins.*"])}
    assert listed == found


def test_every_file_besides_the_code_is_listed_for_installation():
    """Templates, static files, catalogs and data files reach a wheel only through package-data:
    one missing there would be absent from an installed portal (a page answering 500), though the
    editable install hides it."""
    import glob
    import tomllib

    folders = {"portal": ROOT / "portal", "portal_plugins": ROOT / "plugins"}
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    listed = {Path(found) for package, globs in patterns.items() for pattern in globs
              for found in glob.glob(str(folders[package] / pattern), recursive=True)}
    files = {path for folder in folders.values() for path in folder.rglob("*")
             if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts}
    assert sorted(str(path.relative_to(ROOT)) for path in files - listed) == []


def test_make_run_sets_up_in_a_line_a_step_with_the_details_in_a_log():
    done = subprocess.run(["make", "--no-print-directory", "quiet-setup"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["set-up: Debian packages", "set-up: Python packages (a few minutes the first time)",
                                        "set-up: translations"]
    assert (ROOT / "setup.log").is_file()


def test_run_py_says_where_the_portal_and_the_demo_accounts_are(tmp_path):
    port = free_port()
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "PORTAL_INSTANCE_PATH": str(tmp_path),
           "PORTAL_SECRET_KEY": "x" * 40, "PORTAL_PORT": str(port), "PORTAL_DEMO_DATA": "0", "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        first = server.stdout.readline()
    finally:
        server.kill()
        server.wait(timeout=30)
    assert first.strip() == f"CME Portal: http://127.0.0.1:{port}/"
