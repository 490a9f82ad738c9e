"""An index on person_history(unit_id, person_id): judging a unit's year (its page, and the tallies
job unit by unit) finds who stood in the unit that year by it (600,000 people: otherwise a scan of
the whole history for every unit).

Revision ID: 0028
Revises: 0027
"""
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_person_history_unit", "person_history", ["unit_id", "person_id"])


def downgrade():
    op.drop_index("ix_person_history_unit", table_name="person_history")
