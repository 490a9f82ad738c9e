"""Exports: named tables (built by portal.exports.builders) written by an exporter plugin, sent at
once when small, or made by a job (portal.exports.jobs) with a progress page when large."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder

from portal.contracts import Exporter


def table_exporters() -> list[type[Exporter]]:
    """The exporters an export button offers (portal/templates/portal/exports/macros.html)."""
    return current_app.extensions["portal"].table_exporters()


def register(appbuilder: AppBuilder) -> None:
    from portal.exports.api import ExportApi
    from portal.exports.views import ExportView

    appbuilder.add_view_no_menu(ExportView)
    appbuilder.add_api(ExportApi)
    current_app.add_template_global(table_exporters)
