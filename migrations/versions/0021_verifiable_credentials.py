"""Verifiable credentials: each certificate also as a signed Open Badges 3.0 credential, with its
bit in a revocation status list.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verifiable_credential",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("certificate_id", sa.Integer(), sa.ForeignKey("certificate.id"), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("jwt", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("certificate_id", name="uq_verifiable_credential_certificate"),
        sa.UniqueConstraint("status_list", "status_index", name="uq_verifiable_credential_status"),
    )


def downgrade():
    op.drop_table("verifiable_credential")
