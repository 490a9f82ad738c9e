"""Database triggers that keep what must not change unchanged, whatever SQL reaches the database:
the audit trail refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE), and an approved credit
record refuses any change of its status or of what it was scored from and scored as. No credit
record is ever deleted (a deleted draft stays as a row with its status), so the trail, which names
records by id without a foreign key (their key includes the year, migration 0029), never names a
missing one; on PostgreSQL a constraint trigger also refuses a trail entry naming no record. The
portal never changes an approved record: a correction is a new record pointing to it
(``corrects_id``, portal.credits.services.correct), so no path needs an exception.

Installed by migration 0012 (and again by 0029); ``suspended`` lifts them for the test suite's cleanup only."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, text

# What an approved record was scored from and scored as; its review fields were set with the approval.
SCORED = ("status", "person_id", "unit_id", "category_id", "type_slug", "activity_date", "credit_level", "fields",
          "params", "wizard_rule", "credits", "hours", "credit_class", "deems_compliant", "corrects_id")
AUDIT_MESSAGE = "audit_entry is append-only"
APPROVED_MESSAGE = "an approved credit record changes only through a correction"
DELETE_MESSAGE = "a credit record is never deleted"
# The setting that marks the one record an UPDATE is moving to another year's partition.
MOVING = "portal.moving_record"
MISSING_MESSAGE = "audit_entry names a credit record that does not exist"

_SQLITE_CREATE = (
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END",
    f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END",
    "CREATE TRIGGER credit_record_approved_no_update BEFORE UPDATE ON credit_record WHEN OLD.status = 'approved' AND ("
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SCORED)
    + f") BEGIN SELECT RAISE(ABORT, '{APPROVED_MESSAGE}'); END",
    f"CREATE TRIGGER credit_record_no_delete BEFORE DELETE ON credit_record BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END",
)
_SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in (
    "audit_entry_no_update", "audit_entry_no_delete", "credit_record_approved_no_update",
    "credit_record_approved_no_delete", "credit_record_no_delete"))


def _pg_changed(column: str) -> str:
    # JSON has no equality operator in PostgreSQL: compare the text.
    cast = "::text" if column in ("fields", "params") else ""
    return f"NEW.{column}{cast} IS DISTINCT FROM OLD.{column}{cast}"


_PG_CREATE = (
    "CREATE OR REPLACE FUNCTION portal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{AUDIT_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION portal_audit_append_only()",
    "CREATE OR REPLACE FUNCTION portal_approved_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$ "
    # An UPDATE that changes the year moves the row: PostgreSQL fires this BEFORE UPDATE, then
    # BEFORE DELETE on the old partition. The first marks the row as moving (for the transaction),
    # so the second lets that one row go; any other DELETE is refused. (The year is read through
    # jsonb so that the function also serves the schema before migration 0029 added it.)
    f"BEGIN IF TG_OP = 'DELETE' THEN IF current_setting('{MOVING}', true) IS DISTINCT FROM OLD.id::text THEN "
    f"RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END IF; "
    f"PERFORM set_config('{MOVING}', '', true); RETURN OLD; END IF; "
    "IF OLD.status = 'approved' AND ("
    + " OR ".join(_pg_changed(c) for c in SCORED)
    + f") THEN RAISE EXCEPTION '{APPROVED_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END IF; "
    "IF to_jsonb(NEW) -> 'credit_year' IS DISTINCT FROM to_jsonb(OLD) -> 'credit_year' THEN "
    f"PERFORM set_config('{MOVING}', OLD.id::text, true); "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER credit_record_approved_unchanged BEFORE UPDATE OR DELETE ON credit_record "
    "FOR EACH ROW EXECUTE FUNCTION portal_approved_unchanged()",
    # What the foreign key checked before the record's key included its year.
    "CREATE OR REPLACE FUNCTION portal_audit_record_exists() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF NEW.record_id IS NOT NULL THEN "
    "PERFORM 1 FROM credit_record WHERE id = NEW.record_id FOR KEY SHARE; "
    f"IF NOT FOUND THEN RAISE EXCEPTION '{MISSING_MESSAGE}' USING ERRCODE = 'foreign_key_violation'; END IF; "
    "END IF; RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER audit_entry_record_exists AFTER INSERT ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION portal_audit_record_exists()",
)
_PG_DROP = (
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS credit_record_approved_unchanged ON credit_record",
    "DROP TRIGGER IF EXISTS audit_entry_record_exists ON audit_entry",
    "DROP FUNCTION IF EXISTS portal_audit_append_only()",
    "DROP FUNCTION IF EXISTS portal_approved_unchanged()",
    "DROP FUNCTION IF EXISTS portal_audit_record_exists()",
)


def _statements(connection: Connection, create: bool) -> tuple[str, ...]:
    postgresql = connection.dialect.name == "postgresql"
    if create:
        return _PG_CREATE if postgresql else _SQLITE_CREATE
    return _PG_DROP if postgresql else _SQLITE_DROP


def install(connection: Connection) -> None:
    for statement in _statements(connection, create=True):
        connection.execute(text(statement))


def remove(connection: Connection) -> None:
    for statement in _statements(connection, create=False):
        connection.execute(text(statement))


@contextlib.contextmanager
def suspended(connection: Connection) -> Iterator[None]:
    """Without the triggers for the block, in the connection's transaction (tests' cleanup)."""
    remove(connection)
    yield
    install(connection)
