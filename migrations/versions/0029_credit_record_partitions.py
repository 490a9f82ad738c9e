"""Credit records partitioned by credit year on PostgreSQL (docs/partitions.md, issue 12 item 1).

Both databases: ``credit_year`` (the year of activity_date, kept so by a CHECK), the year beside
every reference to a record (``evidence_file.record_year``, ``certificate.record_year``,
``credit_record.corrects_year``) in composite foreign keys MATCH FULL, ``superseded`` (an approved
correction replaces the record) instead of a search for the correction, the trail's record_id
without a foreign key, indexes that lead with the year where the pages filter by it.

PostgreSQL: the table is copied into ``PARTITION BY RANGE (credit_year)``, one partition for
each year present, this year and next, and a default partition (what it moves is printed); its
primary key becomes (id, credit_year) and ``id`` keeps its sequence. SQLite keeps one table.

Revision ID: 0029
Revises: 0028
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

from portal import partitions
from portal.models import append_only

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# The record's own foreign keys, as PostgreSQL named them (copied by name in both directions).
OWN_KEYS = (("credit_record_person_id_fkey", "person_id", "person"), ("credit_record_unit_id_fkey", "unit_id", "unit"),
            ("credit_record_category_id_fkey", "category_id", "credit_category"),
            ("credit_record_issuing_unit_id_fkey", "issuing_unit_id", "unit"),
            ("credit_record_reviewed_by_fkey", "reviewed_by", "ab_user"),
            ("fk_credit_record_entered_by", "entered_by_id", "ab_user"),
            ("credit_record_activity_id_fkey", "activity_id", "activity"))
OLD_INDEXES = (("ix_credit_record_person_date", ["person_id", "activity_date"], {}),
               ("ix_credit_record_unit_status_date", ["unit_id", "status", "activity_date"], {}),
               ("ix_credit_record_unit_status_submitted", ["unit_id", "status", "submitted_at"], {}),
               ("ix_credit_record_corrects", ["corrects_id"], {}),
               ("uq_credit_record_activity_person", ["activity_id", "person_id"], {"unique": True}))
_SUBMITTED = sa.text("status = 'submitted'")
NEW_INDEXES = (("ix_credit_record_person_year_date", ["person_id", "credit_year", "activity_date"], {}),
               ("ix_credit_record_unit_status_date", ["unit_id", "status", "activity_date"], {}),
               ("ix_credit_record_unit_submitted", ["unit_id", "submitted_at"],
                {"postgresql_where": _SUBMITTED, "sqlite_where": _SUBMITTED}),
               ("uq_credit_record_activity_person", ["activity_id", "person_id", "credit_year"], {"unique": True}))
# (table, column, foreign key name before, after, ON UPDATE) of what refers to a record by id and year.
REFERENCES = (("evidence_file", "record_id", "record_year", "evidence_file_record_id_fkey", "fk_evidence_file_record",
               "CASCADE"),
              ("certificate", "record_id", "record_year", "certificate_record_id_fkey", "fk_certificate_record", None),
              ("credit_record", "corrects_id", "corrects_year", "credit_record_corrects_id_fkey",
               "fk_credit_record_corrects", None))
# SQLite's foreign keys have no names: batch mode names them by this convention to drop them.
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _year_of(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(extract(year FROM {column}) AS integer)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def upgrade():
    bind = op.get_bind()
    append_only.remove(bind)
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("credit_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("corrects_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(f"UPDATE credit_record SET credit_year = {_year_of('activity_date')}")
    op.execute("UPDATE credit_record SET corrects_year = (SELECT o.credit_year FROM credit_record o "
               "WHERE o.id = credit_record.corrects_id) WHERE corrects_id IS NOT NULL")
    op.execute("UPDATE credit_record SET superseded = true WHERE id IN "
               "(SELECT corrects_id FROM credit_record WHERE status = 'approved' AND corrects_id IS NOT NULL)")
    for table in ("evidence_file", "certificate"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("record_year", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET record_year = (SELECT r.credit_year FROM credit_record r "
                   f"WHERE r.id = {table}.record_id) WHERE record_id IS NOT NULL")
    with op.batch_alter_table("certificate") as batch:
        batch.alter_column("record_year", existing_type=sa.Integer(), nullable=False)
    if bind.dialect.name == "postgresql":
        _partition(bind)
    else:
        _sqlite_keys()
    append_only.install(bind)


def _partition(bind):
    op.alter_column("credit_record", "credit_year", existing_type=sa.Integer(), nullable=False)
    for table, _column, _year, before, _after, _on_update in REFERENCES:
        op.drop_constraint(before, table, type_="foreignkey")
    op.drop_constraint("audit_entry_record_id_fkey", "audit_entry", type_="foreignkey")
    moving = bind.execute(sa.text("SELECT credit_year, count(*) FROM credit_record GROUP BY 1 ORDER BY 1")).all()
    op.execute("ALTER TABLE credit_record RENAME TO credit_record_unpartitioned")
    op.execute("ALTER TABLE credit_record_unpartitioned DROP CONSTRAINT credit_record_pkey")
    for name, _columns, _options in OLD_INDEXES:
        op.drop_index(name, table_name="credit_record_unpartitioned")
    op.execute("CREATE TABLE credit_record (LIKE credit_record_unpartitioned INCLUDING DEFAULTS) "
               "PARTITION BY RANGE (credit_year)")
    this_year = dt.date.today().year
    for year in sorted({year for year, _count in moving} | {this_year, this_year + 1}):
        partitions.ensure(bind, year, year, ["credit_record"])
    for year, count in moving:
        print(f"credit_record: copying {count} records of {year} into credit_record_{year}")
    op.execute("INSERT INTO credit_record SELECT * FROM credit_record_unpartitioned")
    op.execute("ALTER SEQUENCE credit_record_id_seq OWNED BY credit_record.id")
    op.execute("DROP TABLE credit_record_unpartitioned")
    op.create_primary_key("credit_record_pkey", "credit_record", ["id", "credit_year"])
    op.create_check_constraint("ck_credit_record_year", "credit_record", f"credit_year = {_year_of('activity_date')}")
    for name, column, parent in OWN_KEYS:
        op.create_foreign_key(name, "credit_record", parent, [column], ["id"])
    for name, columns, options in NEW_INDEXES:
        op.create_index(name, "credit_record", columns, **options)
    for table, column, year, _before, after, on_update in REFERENCES:
        op.create_foreign_key(after, table, "credit_record", [column, year], ["id", "credit_year"], match="FULL",
                              onupdate=on_update)
    op.execute("ANALYZE credit_record")


def _sqlite_keys():
    with op.batch_alter_table("credit_record", naming_convention=SQLITE_NAMES) as batch:
        batch.alter_column("credit_year", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint("ck_credit_record_year", f"credit_year = {_year_of('activity_date')}")
        for name, _columns, _options in OLD_INDEXES:
            batch.drop_index(name)
        for name, columns, options in NEW_INDEXES:
            batch.create_index(name, columns, **options)
    for table, column, year, _before, after, on_update in REFERENCES:
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES) as batch:
            batch.drop_constraint(f"fk_{table}_{column}_credit_record", type_="foreignkey")
            # No MATCH FULL: SQLite ignores it, and its reflection misses the ON UPDATE written after it.
            batch.create_foreign_key(after, "credit_record", [column, year], ["id", "credit_year"], onupdate=on_update)
    with op.batch_alter_table("audit_entry", naming_convention=SQLITE_NAMES) as batch:
        batch.drop_constraint("fk_audit_entry_record_id_credit_record", type_="foreignkey")


def downgrade():
    bind = op.get_bind()
    append_only.remove(bind)
    if bind.dialect.name == "postgresql":
        _unpartition()
    else:
        _sqlite_keys_back()
    for table in ("evidence_file", "certificate"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("record_year")
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_column("superseded")
        batch.drop_column("corrects_year")
        batch.drop_column("credit_year")
    append_only.install(bind)


def _unpartition():
    for table, _column, _year, _before, after, _on_update in REFERENCES:
        op.drop_constraint(after, table, type_="foreignkey")
    op.execute("ALTER TABLE credit_record RENAME TO credit_record_partitioned")
    op.execute("ALTER TABLE credit_record_partitioned DROP CONSTRAINT credit_record_pkey")
    for name, _columns, _options in NEW_INDEXES:
        op.drop_index(name, table_name="credit_record_partitioned")
    op.execute("CREATE TABLE credit_record (LIKE credit_record_partitioned INCLUDING DEFAULTS)")
    op.execute("INSERT INTO credit_record SELECT * FROM credit_record_partitioned")
    op.execute("ALTER SEQUENCE credit_record_id_seq OWNED BY credit_record.id")
    op.execute("DROP TABLE credit_record_partitioned")
    op.create_primary_key("credit_record_pkey", "credit_record", ["id"])
    for name, column, parent in OWN_KEYS:
        op.create_foreign_key(name, "credit_record", parent, [column], ["id"])
    for name, columns, options in OLD_INDEXES:
        op.create_index(name, "credit_record", columns, **options)
    for table, column, _year, before, _after, _on_update in REFERENCES:
        op.create_foreign_key(before, table, "credit_record", [column], ["id"])
    op.create_foreign_key("audit_entry_record_id_fkey", "audit_entry", "credit_record", ["record_id"], ["id"])


def _sqlite_keys_back():
    for table, column, _year, _before, after, _on_update in REFERENCES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(after, type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_{column}_credit_record", "credit_record", [column], ["id"])
    with op.batch_alter_table("audit_entry") as batch:
        batch.create_foreign_key("fk_audit_entry_record_id_credit_record", "credit_record", ["record_id"], ["id"])
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_constraint("ck_credit_record_year", type_="check")
        for name, _columns, _options in NEW_INDEXES:
            batch.drop_index(name)
        for name, columns, options in OLD_INDEXES:
            batch.create_index(name, columns, **options)
