"""The one way credits and hours are printed, on every page, export, form and certificate:
credits with two decimals (8.00, 2.50), hours with one (6.0, 2.5). Also the template filters
``credits`` and ``hours``."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def credits_text(value: Decimal | float | int | str) -> str:
    return _fixed(value, Decimal("0.01"))


def hours_text(value: Decimal | float | int | str) -> str:
    return _fixed(value, Decimal("0.1"))


def _fixed(value, places: Decimal) -> str:
    return f"{Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP):f}"
