"""Column types. SQLite has no exact decimal (SQLAlchemy's Numeric is REAL there, and SUM of
0.2-credit records drifts), so credits and hours are stored as integers of their smallest unit
and read back as Decimal."""
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import BindParameter, Integer, bindparam
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
        # The tallies job binds seven of these for each of half a million people: a Decimal is
        # scaled as it is, not through its string.
        scaled = (value if isinstance(value, Decimal) else Decimal(str(value))).scaleb(self.places)
        integral = scaled.to_integral_value()
        if scaled != integral:
            raise ValueError(f"{value} has more than {self.places} decimals")
        return int(integral)

    def process_result_value(self, value, dialect):
        return None if value is None else to_decimal(value, self.places)


def inline_ids(ids: list[int]) -> BindParameter:
    """Ids for ``column.in_()`` written into the statement as numbers: a few thousand of them as
    parameters cost the driver more to place in the query text than the database to read."""
    return bindparam("inline_ids", [int(i) for i in ids], expanding=True, literal_execute=True, unique=True)
