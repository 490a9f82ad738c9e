"""Out-of-province learners (外省人员) and the codes of their SMS login.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("out_of_province", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "sms_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sms_code_id_number", "sms_code", ["id_number"])
    op.create_index("ix_sms_code_phone", "sms_code", ["phone"])
    op.create_index("ix_sms_code_created_at", "sms_code", ["created_at"])


def downgrade():
    op.drop_index("ix_sms_code_created_at", "sms_code")
    op.drop_index("ix_sms_code_phone", "sms_code")
    op.drop_index("ix_sms_code_id_number", "sms_code")
    op.drop_table("sms_code")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("out_of_province")
