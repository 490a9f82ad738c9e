"""One append-only audit trail for record and account events, kept so by triggers (which also
keep approved credit records unchanged); server-side sessions and rotating refresh tokens;
wrong passwords counted per username instead of an account lockout; the requesting address and
the purpose (sign-in or password recovery) of SMS codes.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

from portal.models import append_only

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("record_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("target_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch.create_foreign_key("fk_audit_entry_target_user_id_ab_user", "ab_user", ["target_user_id"], ["id"])
        batch.create_foreign_key("fk_audit_entry_unit_id_unit", "unit", ["unit_id"], ["id"])
        batch.create_index("ix_audit_entry_target_user_id", ["target_user_id"], unique=False)
    append_only.install(op.get_bind())
    op.create_table(
        "account_session",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("refresh_jti", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_session_user_id", "account_session", ["user_id"], unique=False)
    # Lockout by account gives way to slowing down by username (portal.accounts.throttle).
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("account_state") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
    with op.batch_alter_table("sms_code") as batch:
        batch.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch.add_column(sa.Column("purpose", sa.String(length=16), nullable=False, server_default="login"))
        batch.create_index("ix_sms_code_ip", ["ip"], unique=False)


def downgrade():
    with op.batch_alter_table("sms_code") as batch:
        batch.drop_index("ix_sms_code_ip")
        batch.drop_column("purpose")
        batch.drop_column("ip")
    with op.batch_alter_table("account_state") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.drop_table("login_throttle")
    op.drop_index("ix_account_session_user_id", table_name="account_session")
    op.drop_table("account_session")
    append_only.remove(op.get_bind())
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_entry_target_user_id")
        batch.drop_constraint("fk_audit_entry_unit_id_unit", type_="foreignkey")
        batch.drop_constraint("fk_audit_entry_target_user_id_ab_user", type_="foreignkey")
        batch.drop_column("ip")
        batch.drop_column("unit_id")
        batch.drop_column("target_user_id")
