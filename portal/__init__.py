"""CME Portal core. ``create_app()`` builds one independent app (tests build many)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from flask_appbuilder import AppBuilder
    from flask_wtf.csrf import CSRFProtect
    from werkzeug.middleware.proxy_fix import ProxyFix

    import config
    from portal import (
        accounts,
        activities,
        categories,
        certificates,
        compliance,
        credentials,
        credit_forms,
        credits,
        dictionaries,
        documents,
        errors,
        evaluations,
        exams,
        exports,
        faces,
        i18n,
        menu,
        mobile,
        models,  # noqa: F401  (registers the models on the metadata)
        notices,
        operations,
        out_of_province,
        people,
        review,
        standards,
        transfers,
        units,
        web_security,
    )
    from portal.accounts import guards
    from portal.accounts.roles import ROLES
    from portal.cli import portal_cli
    from portal.contracts import credits_text, hours_text
    from portal.extensions import db, migrate, postgresql_plans, sqlite_wal
    from portal.models import sealed
    from portal.out_of_province import sign_in
    from portal.people.masking import mask_id_number
    from portal.plugins import build_registry
    from portal.row_urls import row_url
    from portal.static_urls import static_url
    from portal.table_cells import RowCells

    app = Flask(__name__, instance_path=str(config.INSTANCE_PATH))
    app.config.from_object(config)
    app.config.update(overrides or {})
    instance = Path(app.config["INSTANCE_PATH"])
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)  # it holds the database, evidence, keys: the portal's user's alone
    app.instance_path = str(instance)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret_key(instance, app.config["PRODUCTION"])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.db'}"
    app.config["FAB_ROLES"] = ROLES
    sealed.init_app(app)
    operations.init_app(app)
    web_security.init_app(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    registry = build_registry(app.config["DISABLED_PLUGINS"])
    app.extensions["portal"] = registry
    sign_in.init_app(app)

    postgresql_plans(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    CSRFProtect(app)
    with app.app_context():
        sqlite_wal(db.engine)
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        i18n.init_app(app)
        # Each feature adds its pages, APIs and menu entries; this order is the order of the
        # pages within a menu category (portal/menu.py orders the top of the menu).
        for feature in (exports, credits, people, review, units, categories, dictionaries, compliance, standards,
                        out_of_province, accounts, documents, certificates, credentials, credit_forms, notices, transfers,
                        activities, evaluations, exams, mobile, faces):
            feature.register(appbuilder)
        menu.arrange(appbuilder)
        registry.pm.hook.register_views(appbuilder=appbuilder)
    guards.init_app(app)
    errors.init_app(app)
    app.add_template_filter(mask_id_number, "mask_id")
    app.add_template_filter(credits_text, "credits")
    app.add_template_filter(hours_text, "hours")
    app.add_template_global(registry.login_methods.values, "login_methods")
    app.add_template_global(menu.rendered, "portal_menu")
    app.add_template_global(menu.navbar, "portal_navbar")
    app.add_template_global(static_url)
    app.add_template_global(RowCells, "row_cells")
    app.add_template_global(row_url)
    app.context_processor(_page_language)
    app.cli.add_command(portal_cli)
    return app


def _page_language() -> dict[str, str]:
    from flask_babel import get_locale

    locale = str(get_locale() or "zh")
    return {"html_lang": "zh-CN" if locale == "zh" else locale}
