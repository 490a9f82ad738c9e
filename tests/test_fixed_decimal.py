"""Credits are stored as integer hundredths: sums are exact on SQLite (which would store a
Numeric as REAL) as on PostgreSQL."""
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from portal.extensions import db
from portal.models.types import FixedDecimal


def test_a_sum_of_many_fifths_is_exact(app):
    metadata = MetaData()
    table = Table("fixed_decimal_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("credits", FixedDecimal(2)))
    with app.app_context():
        metadata.create_all(db.engine)
        try:
            db.session.execute(insert(table), [{"credits": Decimal("0.2")}] * 1000 + [{"credits": Decimal("0.1")}] * 3)
            total = db.session.scalar(select(func.sum(table.c.credits)))
            assert total == Decimal("200.30") and str(total) == "200.30"
            assert db.session.scalar(select(table.c.credits).limit(1)) == Decimal("0.20")
        finally:
            db.session.rollback()
            metadata.drop_all(db.engine)


def test_more_places_than_stored_are_refused():
    with pytest.raises(ValueError):
        FixedDecimal(2).process_bind_param(Decimal("0.125"), None)
