"""进修: training at another unit (abroad included), approved by the learner's unit. Per month,
or the year's full credits with the year deemed compliant from 6 months on (see _months.py)."""
from flask_babel import lazy_gettext as _l

from portal.hookspecs import hookimpl

from ._months import MonthsAway


class TrainingElsewhere(MonthsAway):
    slug = "training"
    label = _l("Training elsewhere")
    description = _l("Training at another unit: credits per month; from the set number of months on, "
                     "the year's full credits and the year is deemed compliant.")


@hookimpl
def register_credit_types():
    return [TrainingElsewhere]
