"""Rule-set versions (a rule set's text from a date on, frozen), the versions each closed year is
judged with, and closed years' compliance counted per unit for the dashboards' trends. Each
existing rule set becomes its first version, effective from the first day of its first valid year,
so every year is judged exactly as before.

Revision ID: 0020
Revises: 0019
"""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Stored as integers: credits in hundredths, hours in tenths (portal.models.types.FixedDecimal).
CREDITS = ("min_credits", "class_1_min", "class_1_max", "class_2_min")
HOURS = ("min_hours", "hourless_hours_per_credit")
SETS = ("title_levels", "unit_levels", "unit_tiers", "unit_types", "deeming_categories")  # kept sorted
PLAIN = ("description", "valid_from", "valid_to", "title_levels", "unit_levels", "unit_tiers", "unit_types", "priority",
         "interchange_percent", "caps", "multi_year", "deeming_categories")


def _rule_set():
    table = sa.table("rule_set", sa.column("id", sa.Integer), *(sa.column(c, sa.Integer) for c in CREDITS + HOURS),
                     *(sa.column(c) for c in PLAIN))
    for name in ("title_levels", "unit_levels", "unit_tiers", "unit_types", "caps", "multi_year", "deeming_categories"):
        table.c[name].type = sa.JSON()
    return table


def upgrade():
    op.create_table(
        "rule_set_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_set_id", sa.Integer(), sa.ForeignKey("rule_set.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.UniqueConstraint("rule_set_id", "number"),
    )
    op.create_index("ix_rule_set_version_rule_set_id", "rule_set_version", ["rule_set_id"])
    op.create_table(
        "judged_year",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version_ids", sa.JSON(), nullable=False),
        sa.Column("judged_at", sa.DateTime(), nullable=False),
        sa.Column("judged_by", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
    )
    op.create_table(
        "unit_year_tally",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("compliant", sa.Integer(), nullable=False),
        sa.Column("judged", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("year", "unit_id"),
    )
    connection = op.get_bind()
    rule_set = _rule_set()
    version = sa.table("rule_set_version", sa.column("rule_set_id", sa.Integer), sa.column("number", sa.Integer),
                       sa.column("effective_from", sa.Date), sa.column("rules", sa.JSON), sa.column("created_at", sa.DateTime))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for row in connection.execute(sa.select(rule_set)).mappings().all():
        rules = {name: sorted(row[name] or ()) if name in SETS else row[name] for name in PLAIN}
        rules.update({name: None if row[name] is None else f"{Decimal(row[name]).scaleb(-2):.2f}" for name in CREDITS})
        rules.update({name: None if row[name] is None else f"{Decimal(row[name]).scaleb(-1):.1f}" for name in HOURS})
        connection.execute(version.insert().values(rule_set_id=row["id"], number=1, rules=rules, created_at=now,
                                                   effective_from=dt.date(row["valid_from"], 1, 1)))


def downgrade():
    op.drop_table("unit_year_tally")
    op.drop_table("judged_year")
    op.drop_index("ix_rule_set_version_rule_set_id", "rule_set_version")
    op.drop_table("rule_set_version")
