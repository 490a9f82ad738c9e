"""Captcha challenges: drop the answer column, unused since the answer is derived from the nonce.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("captcha_challenge") as batch:
        batch.drop_column("answer")


def downgrade():
    with op.batch_alter_table("captcha_challenge") as batch:
        batch.add_column(sa.Column("answer", sa.String(8), nullable=False, server_default=""))
