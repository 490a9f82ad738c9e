"""The reference stamp: one row whose ``version`` changes, by a database trigger, with every change
to the reference tables (dictionary entries, credit categories, the rule sets with their versions
and pinned years), whatever SQL makes it. Each process keeps what it read of those tables across
requests and reads the stamp once a request to know whether that is still what the database
holds (portal.request_memo.kept).

Installed by migration 0032, which watches the first two tables; 0034 watches the rule sets'. A
migration that rebuilds one of these tables on SQLite (batch mode) drops its triggers with it and
must watch it again, as 0029 did for the append-only ones."""
from __future__ import annotations

import secrets

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Connection, Integer, insert, text
from sqlalchemy.orm import Mapped, mapped_column

_EVENTS = ("INSERT", "UPDATE", "DELETE")


class ReferenceStamp(Model):
    __tablename__ = "reference_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def first_version() -> int:
    """A random start, so that two databases (a test's, the next test's) never share a stamp."""
    return secrets.randbits(52)


def install(bind: Connection) -> None:
    """The stamp's row and, on PostgreSQL, the function the triggers call."""
    bind.execute(insert(ReferenceStamp.__table__).values(id=1, version=first_version()))
    if bind.dialect.name == "postgresql":
        bind.execute(text("CREATE OR REPLACE FUNCTION portal_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
                          "BEGIN UPDATE reference_stamp SET version = version + 1; RETURN NULL; END $$"))


def remove(bind: Connection) -> None:
    if bind.dialect.name == "postgresql":
        bind.execute(text("DROP FUNCTION IF EXISTS portal_reference_changed()"))


def watch(bind: Connection, tables: tuple[str, ...]) -> None:
    """Triggers that move the stamp with every change to ``tables``."""
    for table in tables:
        if bind.dialect.name == "postgresql":
            bind.execute(text(f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION portal_reference_changed()"))
            continue
        for event in _EVENTS:
            bind.execute(text(f"CREATE TRIGGER {table}_stamp_{event.lower()} AFTER {event} ON {table} "
                              "BEGIN UPDATE reference_stamp SET version = version + 1; END"))


def unwatch(bind: Connection, tables: tuple[str, ...]) -> None:
    for table in tables:
        if bind.dialect.name == "postgresql":
            bind.execute(text(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}"))
            continue
        for event in _EVENTS:
            bind.execute(text(f"DROP TRIGGER IF EXISTS {table}_stamp_{event.lower()}"))
