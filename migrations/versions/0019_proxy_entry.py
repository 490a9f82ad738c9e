"""代录: a credit record entered by an admin on a staff member's behalf names that admin.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_credit_record_entered_by", "ab_user", ["entered_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_constraint("fk_credit_record_entered_by", type_="foreignkey")
        batch.drop_column("entered_by_id")
