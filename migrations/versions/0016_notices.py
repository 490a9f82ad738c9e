"""Notices to people: review results, reminders and deadlines, in the portal's notice box.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("sent_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("delivered", sa.String(200), nullable=False),
    )
    op.create_index("ix_notice_person_created", "notice", ["person_id", "created_at"])


def downgrade():
    op.drop_index("ix_notice_person_created", table_name="notice")
    op.drop_table("notice")
