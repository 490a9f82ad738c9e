"""Face enrollments (人脸建档, the optional face plugin): one sealed embedding a person, no photo;
and the sessions that ask for a face check at check-in.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
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
    with op.batch_alter_table("activity_session") as batch:
        batch.add_column(sa.Column("face_check", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("activity_session") as batch:
        batch.drop_column("face_check")
    op.drop_table("face_enrollment")
