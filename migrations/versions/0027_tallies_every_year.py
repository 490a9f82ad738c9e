"""Tallies for every year, the current one included, written by the tallies job: the per-person
verdicts the province's lists read, and the job's lock and progress per year.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_year_verdict",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("title_level", sa.String(20), nullable=False),
        sa.Column("compliant", sa.Boolean(), nullable=True),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("class_1", sa.Integer(), nullable=False),
        sa.Column("class_2", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=True),
        sa.Column("required_class_1", sa.Integer(), nullable=True),
        sa.Column("required_class_2", sa.Integer(), nullable=True),
        sa.Column("shortfalls", sa.JSON(), nullable=False),
    )
    op.create_index("ix_person_year_verdict_year_unit", "person_year_verdict", ["year", "unit_id", "compliant"])
    op.create_table(
        "tally_run",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("running_since", sa.DateTime(), nullable=True),
        sa.Column("beat_at", sa.DateTime(), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("units_done", sa.Integer(), nullable=False),
        sa.Column("units_total", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )


def downgrade():
    op.drop_table("tally_run")
    op.drop_index("ix_person_year_verdict_year_unit", table_name="person_year_verdict")
    op.drop_table("person_year_verdict")
