"""Column types. SQLite has no exact decimal (SQLAlchemy's Numeric is REAL there, and SUM of
0.2-credit records drifts), so credits and hours are stored as integers of their smallest unit
and read back as Decimal."""
from decimal import Decimal

from sqlalchemy import Integer
from sqlalchemy.types import TypeDecorator


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
        if value is None:
            return None
        return (Decimal(value) / self.scale).quantize(Decimal(1).scaleb(-self.places))
