"""援助西部、农村、海岛、援外等医疗活动: medical aid work. Per month, or the year's full credits
with the year deemed compliant from 6 months on (see _months.py)."""
from flask_babel import lazy_gettext as _l

from portal.hookspecs import hookimpl

from ._months import MonthsAway


class AidWork(MonthsAway):
    slug = "aid_work"
    label = _l("Medical aid work")
    description = _l("Medical aid in the west, in the countryside, on islands or abroad: credits per month; "
                     "from the set number of months on, the year's full credits and the year is deemed compliant.")


@hookimpl
def register_credit_types():
    return [AidWork]
