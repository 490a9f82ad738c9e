"""An index on person.mobile: the phone app's sign-in finds the learner by the mobile number alone
(600,000 people: a scan per request for a code otherwise).

Revision ID: 0023
Revises: 0022
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_person_mobile", "person", ["mobile"])


def downgrade():
    op.drop_index("ix_person_mobile", table_name="person")
