"""Transfers between units (调入/调出), asked for by the receiving unit and decided by the releasing one.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_transfer_from_state", "transfer", ["from_unit_id", "state"])
    op.create_index("ix_transfer_to_state", "transfer", ["to_unit_id", "state"])
    op.create_index("ix_transfer_person_state", "transfer", ["person_id", "state"])


def downgrade():
    op.drop_table("transfer")
