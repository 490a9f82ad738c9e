"""Column types. SQLite has no exact decimal (SQLAlchemy's Numeric is REAL there, and SUM of
0.2-credit records drifts), so credits and hours are stored as integers of their smallest unit
and read back as Decimal."""
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Integer
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=65536)
def to_decimal(units: int, places: int) -> Decimal:
    """``units`` of the smallest unit (hundredths for places=2, tenths for 1) as a Decimal with
    that many places: 250 → 2.50. Reading thousands of rows, or judging a unit's staff, meets the
    same few values again and again; Decimals are immutable, so each is made once."""
    return Decimal(units).scaleb(-places)


def to_units(value: Decimal | int | str, places: int = 2) -> int:
    """A figure in the smallest unit, rounded to it: Decimal("2.5") → 250 hundredths."""
    return int(Decimal(str(value)).scaleb(places).to_integral_value())


class FixedDecimal(TypeDecorator):
    """A Decimal with ``places`` decimals, stored as an integer (credits: hundredths)."""

    impl = Integer
    cache_ok = True

    def __init__(self, places: int):
        super().__init__()
        self.places = places
        self.scale = 10 ** places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(str(value)) * self.scale
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimals")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else to_decimal(value, self.places)
