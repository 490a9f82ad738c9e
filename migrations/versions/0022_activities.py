"""CME activities, their sessions, attendance scans and refusals; credit records an activity granted.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

from portal.models import append_only

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("credit_category.id"), nullable=False),
        sa.Column("credit_level", sa.String(32), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("min_sessions", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("open_to_all", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_activity_unit_starts", "activity", ["unit_id", "starts_on"])
    op.create_table(
        "activity_allowed",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
    )
    op.create_index("ix_activity_allowed_activity_id", "activity_allowed", ["activity_id"])
    op.create_table(
        "activity_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("teacher", sa.String(100), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("venue", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("check_out", sa.Boolean(), nullable=False),
        sa.Column("check_in_before", sa.Integer(), nullable=False),
        sa.Column("check_in_after", sa.Integer(), nullable=False),
        sa.Column("check_out_before", sa.Integer(), nullable=False),
        sa.Column("check_out_after", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
    )
    op.create_index("ix_activity_session_activity_id", "activity_session", ["activity_id"])
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("activity_session.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.UniqueConstraint("session_id", "person_id", "kind", name="uq_attendance_session_person_kind"),
    )
    op.create_index("ix_attendance_person_at", "attendance", ["person_id", "at"])
    op.create_index("ix_attendance_session_device", "attendance", ["session_id", "device"])
    op.create_table(
        "attendance_refusal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("activity_session.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_attendance_refusal_session", "attendance_refusal", ["session_id", "at"])
    op.create_table(
        "personal_code_key",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
        sa.Column("encrypted", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    # Not a batch: on SQLite that copies the table and loses its append-only triggers; SQLite adds
    # a nullable column with its reference in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE credit_record ADD COLUMN activity_id INTEGER REFERENCES activity (id)")
    else:
        op.add_column("credit_record", sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=True))
    op.create_index("uq_credit_record_activity_person", "credit_record", ["activity_id", "person_id"], unique=True)


def downgrade():
    op.drop_index("uq_credit_record_activity_person", "credit_record")
    if op.get_bind().dialect.name == "sqlite":
        # A batch: once migration 0029 has copied the table on SQLite, the reference is a table
        # constraint, which SQLite's DROP COLUMN refuses. The copy loses the triggers: put them back.
        append_only.remove(op.get_bind())
        with op.batch_alter_table("credit_record") as batch:
            batch.drop_column("activity_id")
        append_only.install(op.get_bind())
    else:
        op.drop_column("credit_record", "activity_id")
    op.drop_table("personal_code_key")
    op.drop_table("attendance_refusal")
    op.drop_table("attendance")
    op.drop_table("activity_session")
    op.drop_table("activity_allowed")
    op.drop_table("activity")
