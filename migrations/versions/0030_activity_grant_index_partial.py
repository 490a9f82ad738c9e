"""The index that keeps an activity's grant to one record per person and year covers only the
records an activity granted: the others (most of the 30 million a year, typed in by hand) have
no activity, and indexing them cost 904 MB in one year's partition of the province bench without
ever being read.

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

NAME, COLUMNS = "uq_credit_record_activity_person", ["activity_id", "person_id", "credit_year"]
_GRANTED = sa.text("activity_id IS NOT NULL")


def upgrade():
    op.drop_index(NAME, table_name="credit_record")
    op.create_index(NAME, "credit_record", COLUMNS, unique=True, postgresql_where=_GRANTED, sqlite_where=_GRANTED)


def downgrade():
    op.drop_index(NAME, table_name="credit_record")
    op.create_index(NAME, "credit_record", COLUMNS, unique=True)
