"""Credit records partitioned by credit year on PostgreSQL (docs/partitions.md): one partition a
year, ``credit_record_<year>``, and ``credit_record_default`` for a record whose year has none.
Made by migration 0029, at start-up (next year) and by ``flask --app run.py portal partitions``.
SQLite keeps one table: nothing here does anything there."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, text

PARENT = "credit_record"
DEFAULT = f"{PARENT}_default"
_PARTITION = re.compile(rf"^{PARENT}_(\d{{4}}|default)$")
# How many of a blocked year's records the refusal names.
NAMED = 20


class Blocked(Exception):
    """A year's partition cannot be made while the default partition holds records of that year."""

    def __init__(self, year: int, record_ids: list[int]):
        self.year, self.record_ids = year, record_ids
        more = ", …" if len(record_ids) == NAMED else ""
        super().__init__(
            f"{DEFAULT} holds records of {year} (id {', '.join(map(str, record_ids))}{more}); PostgreSQL makes no "
            f"partition for {year} while they are there. Correct their activity dates, then run this again.")


def is_partition(table_name: str) -> bool:
    """Whether ``table_name`` is one of the partitions (not a table of the models)."""
    return _PARTITION.match(table_name) is not None


def alembic_include_object(item: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    """Alembic's filter: the partitions, and the foreign keys PostgreSQL copies onto each of them,
    are the database's, not the models' (migrations/env.py, tests/test_migrations.py)."""
    if type_ == "table":
        return not is_partition(name or "")
    if type_ == "foreign_key_constraint":
        return not is_partition(item.referred_table.name)
    return True


def partitioned(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql" and bool(connection.scalar(text(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:parent)"), {"parent": PARENT}))


def years(connection: Connection) -> list[int]:
    """The years that have a partition."""
    names = connection.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:parent)"), {"parent": PARENT})
    return sorted(int(n.rsplit("_", 1)[1]) for n in names if n != DEFAULT)


def ensure(connection: Connection, first: int, last: int) -> list[int]:
    """Make the partitions of the years ``first`` through ``last`` that are missing, and the default
    partition; returns the years made. Raises Blocked, before making any, for a year whose records
    sit in the default partition. Does nothing on SQLite."""
    if not partitioned(connection):
        return []
    have = set(years(connection))
    missing = [y for y in range(first, last + 1) if y not in have]
    default_exists = connection.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": DEFAULT})
    for year in missing if default_exists else ():
        stranded = list(connection.scalars(text(
            f"SELECT id FROM {DEFAULT} WHERE credit_year = :year ORDER BY id LIMIT {NAMED}"), {"year": year}))
        if stranded:
            raise Blocked(year, stranded)
    for year in missing:
        connection.execute(text(
            f"CREATE TABLE {PARENT}_{year:d} PARTITION OF {PARENT} FOR VALUES FROM ({year:d}) TO ({year + 1:d})"))
    if not default_exists:
        connection.execute(text(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT"))
    return missing


def earliest_year(connection: Connection) -> int:
    """The first credit year with a record, or this year when there is none."""
    first = connection.scalar(text(f"SELECT min(credit_year) FROM {PARENT}"))
    return first if first is not None else dt.date.today().year
