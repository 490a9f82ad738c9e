"""Face enrollments (人脸建档, the optional face plugin): one sealed embedding a person, no photo.

Revision ID: 0033
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "face_enrollment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("face_enrollment")
