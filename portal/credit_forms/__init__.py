"""学分登记表 and 多年度学分验证表: printed forms, frozen when generated and verifiable by QR code
(both through portal.documents)."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from portal import menu


def register(appbuilder: AppBuilder) -> None:
    from portal.credit_forms.api import CreditFormApi
    from portal.credit_forms.views import CreditFormView

    appbuilder.add_view(CreditFormView, "CreditForms", label=_l("Print credit registration form"), icon="fa-print",
                        **menu.STATISTICS)
    appbuilder.add_link("VerificationTable", label=_l("Multi-year credit verification table"),
                        href="/forms/verification/", icon="fa-table", **menu.STATISTICS)
    appbuilder.add_api(CreditFormApi)
