"""Attendance partitioned by its session's year on PostgreSQL (docs/partitions.md, issue 12 item 1).

Both databases: ``year``, the year of the session's start in the portal's time zone (TIME_ZONE),
filled from each row's session; the unique key names it too (it follows from the session, so
nothing that was unique stops being so); the learner's index leads with the person and the year.

PostgreSQL: the table is copied into ``PARTITION BY RANGE (year)``, one partition for each year
present, this year and next, and a default partition (what it moves is printed); its primary key
becomes (id, year) and ``id`` keeps its sequence. SQLite keeps one table.

Revision ID: 0031
Revises: 0030
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import partitions

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLE = "attendance"
# The table's own foreign keys, as PostgreSQL named them (copied by name in both directions).
OWN_KEYS = (("attendance_session_id_fkey", "session_id", "activity_session"),
            ("attendance_person_id_fkey", "person_id", "person"),
            ("attendance_recorded_by_fkey", "recorded_by", "ab_user"))
UNIQUE = "uq_attendance_session_person_kind"
OLD_UNIQUE = ["session_id", "person_id", "kind"]
NEW_UNIQUE = ["session_id", "person_id", "kind", "year"]
OLD_INDEXES = (("ix_attendance_person_at", ["person_id", "at"]), ("ix_attendance_session_device", ["session_id", "device"]))
NEW_INDEXES = (("ix_attendance_person_year_at", ["person_id", "year", "at"]),
               ("ix_attendance_session_device", ["session_id", "device"]))


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
    _fill_years(bind)
    if bind.dialect.name == "postgresql":
        _partition(bind)
    else:
        _sqlite_keys()


def _fill_years(bind):
    """Each row's year from its session's start, as the portal reckons it (in Python: SQLite has no
    time zones), one UPDATE per session."""
    zone = ZoneInfo(current_app.config["TIME_ZONE"])
    sessions = bind.execute(sa.text(
        "SELECT id, starts_at FROM activity_session WHERE id IN (SELECT session_id FROM attendance)").columns(
        id=sa.Integer, starts_at=sa.DateTime)).all()
    years = [{"session": session_id, "year": starts_at.replace(tzinfo=dt.UTC).astimezone(zone).year}
             for session_id, starts_at in sessions]
    if years:
        bind.execute(sa.text("UPDATE attendance SET year = :year WHERE session_id = :session"), years)


def _partition(bind):
    op.alter_column(TABLE, "year", existing_type=sa.Integer(), nullable=False)
    moving = bind.execute(sa.text("SELECT year, count(*) FROM attendance GROUP BY 1 ORDER BY 1")).all()
    op.execute("ALTER TABLE attendance RENAME TO attendance_unpartitioned")
    op.execute("ALTER TABLE attendance_unpartitioned DROP CONSTRAINT attendance_pkey")
    op.drop_constraint(UNIQUE, "attendance_unpartitioned", type_="unique")
    for name, _columns in OLD_INDEXES:
        op.drop_index(name, table_name="attendance_unpartitioned")
    op.execute("CREATE TABLE attendance (LIKE attendance_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (year)")
    this_year = dt.date.today().year
    for year in sorted({year for year, _count in moving} | {this_year, this_year + 1}):
        partitions.ensure(bind, year, year, [TABLE])
    for year, count in moving:
        print(f"attendance: copying {count} rows of {year} into {TABLE}_{year}")
    op.execute("INSERT INTO attendance SELECT * FROM attendance_unpartitioned")
    op.execute("ALTER SEQUENCE attendance_id_seq OWNED BY attendance.id")
    op.execute("DROP TABLE attendance_unpartitioned")
    op.create_primary_key("attendance_pkey", TABLE, ["id", "year"])
    op.create_unique_constraint(UNIQUE, TABLE, NEW_UNIQUE)
    for name, column, parent in OWN_KEYS:
        op.create_foreign_key(name, TABLE, parent, [column], ["id"])
    for name, columns in NEW_INDEXES:
        op.create_index(name, TABLE, columns)
    op.execute("ANALYZE attendance")


def _sqlite_keys():
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("year", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, NEW_UNIQUE)
        batch.drop_index("ix_attendance_person_at")
        batch.create_index("ix_attendance_person_year_at", ["person_id", "year", "at"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _unpartition()
        op.drop_column(TABLE, "year")
        return
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, OLD_UNIQUE)
        batch.drop_index("ix_attendance_person_year_at")
        batch.create_index("ix_attendance_person_at", ["person_id", "at"])
        batch.drop_column("year")


def _unpartition():
    op.execute("ALTER TABLE attendance RENAME TO attendance_partitioned")
    op.execute("ALTER TABLE attendance_partitioned DROP CONSTRAINT attendance_pkey")
    op.drop_constraint(UNIQUE, "attendance_partitioned", type_="unique")
    for name, _columns in NEW_INDEXES:
        op.drop_index(name, table_name="attendance_partitioned")
    op.execute("CREATE TABLE attendance (LIKE attendance_partitioned INCLUDING DEFAULTS)")
    op.execute("INSERT INTO attendance SELECT * FROM attendance_partitioned")
    op.execute("ALTER SEQUENCE attendance_id_seq OWNED BY attendance.id")
    op.execute("DROP TABLE attendance_partitioned")
    op.create_primary_key("attendance_pkey", TABLE, ["id"])
    op.create_unique_constraint(UNIQUE, TABLE, OLD_UNIQUE)
    for name, column, parent in OWN_KEYS:
        op.create_foreign_key(name, TABLE, parent, [column], ["id"])
    for name, columns in OLD_INDEXES:
        op.create_index(name, TABLE, columns)
