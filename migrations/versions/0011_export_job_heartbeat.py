"""Export jobs beat while they run: a job whose heartbeat stops is marked failed.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("export_job") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("export_job") as batch:
        batch.drop_column("heartbeat_at")
