"""外省人员: the out-of-province learners' page, where their SMS login lands."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register(appbuilder: AppBuilder) -> None:
    from portal.out_of_province.views import OutOfProvinceView

    appbuilder.add_view(OutOfProvinceView, "OutOfProvince", label=_l("My credit certificates"), icon="fa-certificate")
