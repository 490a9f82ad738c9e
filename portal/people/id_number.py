"""Resident identity card numbers (居民身份证号码, GB 11643-1999): 6-digit region (a province's
code first), 8-digit birth date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘX", "0123456789XXX")
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# The provinces' codes of GB/T 2260, the first two digits of the region (71 台湾, 81 香港, 82 澳门).
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                       "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
                       "81", "82"})


class InvalidIdNumber(ValueError):
    """Carries a message for the user, in their language."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "男" or "女"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    """Full-width digits and a lower-case or full-width x become their plain forms; spaces go."""
    return "".join(raw.split()).translate(_FULL_WIDTH).upper()


def parse(raw: str, today: dt.date | None = None) -> IdNumber:
    number = normalise(raw or "")
    if len(number) != 18:
        raise InvalidIdNumber(_l("An ID number has 18 characters; this one has %(n)d.", n=len(number)))
    if not _SHAPE.match(number):
        raise InvalidIdNumber(_l("An ID number is 17 digits followed by a digit or X."))
    if number[:2] not in PROVINCES:
        raise InvalidIdNumber(_l("The region of this ID number (its first two digits) is no province's: please check it."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(_l("The birth date in this ID number (characters 7 to 14) is not a real date.")) from None
    if not dt.date(1900, 1, 1) <= birth <= (today or dt.date.today()):
        raise InvalidIdNumber(_l("The birth date in this ID number (characters 7 to 14) is out of range."))
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(_l("The last character of this ID number does not match: please check it for a typing error."))
    return IdNumber(number=number, birth_date=birth, sex="男" if int(number[16]) % 2 else "女")
