"""Transfers between units (人员调动: 调入/调出)."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.transfers.views import TransferView

    appbuilder.add_view(TransferView, "Transfers", label=_l("Transfers"), icon="fa-right-left")
