"""The tables partitioned by year on PostgreSQL (docs/partitions.md): credit records by credit year,
attendance by its session's year. Each has one partition a year, ``<table>_<year>``, and
``<table>_default`` for a row whose year has none. Made by migrations 0029 and 0031, at start-up
(this year and next) and by ``flask --app run.py portal partitions``. SQLite keeps one table of
each: nothing here does anything there."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Partitioned:
    name: str
    key: str  # the partition key: a year
    rows: str  # what its rows are, for the refusal
    fix: str  # what to correct so that a year's rows leave the default partition


CREDIT_RECORD = Partitioned("credit_record", "credit_year", "records", "Correct their activity dates")
ATTENDANCE = Partitioned("attendance", "year", "attendance rows", "Correct their sessions' start times")
TABLES = {t.name: t for t in (CREDIT_RECORD, ATTENDANCE)}
_PARTITION = re.compile(rf"^({'|'.join(TABLES)})_(\d{{4}}|default)$")
# How many of a blocked year's rows the refusal names.
NAMED = 20


def default_of(table: str) -> str:
    return f"{table}_default"


class Blocked(Exception):
    """A year's partition cannot be made while the default partition holds rows of that year."""

    def __init__(self, table: str, year: int, row_ids: list[int]):
        self.table, self.year, self.row_ids = table, year, row_ids
        more = ", …" if len(row_ids) == NAMED else ""
        super().__init__(
            f"{default_of(table)} holds {TABLES[table].rows} of {year} (id {', '.join(map(str, row_ids))}{more}); "
            f"PostgreSQL makes no partition for {year} while they are there. {TABLES[table].fix}, then run this again.")


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


def partitioned(connection: Connection, table: str) -> bool:
    return connection.dialect.name == "postgresql" and bool(connection.scalar(text(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:parent)"), {"parent": table}))


def years(connection: Connection, table: str) -> list[int]:
    """The years of ``table`` that have a partition."""
    names = connection.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:parent)"), {"parent": table})
    return sorted(int(n.rsplit("_", 1)[1]) for n in names if n != default_of(table))


def ensure(connection: Connection, first: int, last: int, tables: Iterable[str] = tuple(TABLES)) -> dict[str, list[int]]:
    """Make the partitions of the years ``first`` through ``last`` that are missing, and the default
    partition, of each of ``tables`` that is partitioned; returns the years made, by table. Raises
    Blocked, before making any, for a year whose rows sit in a default partition. Does nothing on
    SQLite."""
    missing: dict[str, list[int]] = {}
    without_default = []
    for table in tables:
        if not partitioned(connection, table):
            continue
        have = set(years(connection, table))
        missing[table] = [y for y in range(first, last + 1) if y not in have]
        if not connection.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": default_of(table)}):
            without_default.append(table)
            continue
        for year in missing[table]:
            stranded = list(connection.scalars(text(
                f"SELECT id FROM {default_of(table)} WHERE {TABLES[table].key} = :year ORDER BY id LIMIT {NAMED}"),
                {"year": year}))
            if stranded:
                raise Blocked(table, year, stranded)
    for table, new in missing.items():
        for year in new:
            connection.execute(text(
                f"CREATE TABLE {table}_{year:d} PARTITION OF {table} FOR VALUES FROM ({year:d}) TO ({year + 1:d})"))
        if table in without_default:
            connection.execute(text(f"CREATE TABLE {default_of(table)} PARTITION OF {table} DEFAULT"))
    return missing


def earliest_year(connection: Connection, table: str) -> int:
    """The first year with a row in ``table``, or this year when there is none."""
    first = connection.scalar(text(f"SELECT min({TABLES[table].key}) FROM {table}"))
    return first if first is not None else dt.date.today().year
