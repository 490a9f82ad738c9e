"""Compliance standards (达标标准): rule sets a provincial admin edits. A rule set is valid for a
span of years and applies to a group (title levels, unit levels, or everyone); a person's year
is judged by the rule set valid that year for their group."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import FixedDecimal


class RuleSet(Model):
    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)
    # The group: empty lists mean "any". When several rule sets fit a person's year, the
    # highest priority wins.
    title_levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_levels: Mapped[list[str]] = mapped_column(JSON, default=list)  # grades (三级 ...)
    unit_tiers: Mapped[list[str]] = mapped_column(JSON, default=list)  # 省, 市, 县区 ...
    unit_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # 医院, 疾控 ...
    priority: Mapped[int] = mapped_column(Integer, default=0)

    min_credits: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    min_hours: Mapped[Decimal] = mapped_column(FixedDecimal(1), default=Decimal(0))
    # How a counted record stating no hours (a paper, research, a book, 进修) counts toward
    # ``min_hours``: None, it adds none; a number, that many hours per credit.
    hourless_hours_per_credit: Mapped[Decimal | None] = mapped_column(FixedDecimal(1))
    class_1_min: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    # I类 credits beyond this do not count toward the total.
    class_1_max: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    class_2_min: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(0))
    # How much (percent) of one class's minimum the other class may stand in for.
    interchange_percent: Mapped[int] = mapped_column(Integer, default=0)
    # [{"category_id": 3, "cap": "10.00"}]: replaces the category's own yearly cap (for a
    # category in a cap group, the group's cap).
    caps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"years": 5, "min_credits": "10.00", "nodes": ["national"], "unit_levels": ["三级"]}]:
    # credits of these 各类学分汇总 nodes within the last ``years`` years, for staff of those
    # unit levels (empty: everyone the rule set applies to).
    multi_year: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Ids of categories whose approved deeming record (进修 six months ...) makes the year compliant.
    deeming_categories: Mapped[list[int]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # On a copy that stands for one version (portal.compliance.versions), that RuleSetVersion;
    # None on the row itself and on an editor's unsaved candidate.
    version = None

    def __repr__(self) -> str:
        return self.name


class RuleSetVersion(Model):
    """The text of a rule set from a date on, frozen: editing a rule set adds a version and never
    rewrites one a verdict was judged with. ``rules`` holds ``VERSIONED`` as JSON (decimals as
    strings); the rule_set row carries the name, whether it is enabled, and the newest version's
    text (what the editor edits)."""

    __tablename__ = "rule_set_version"
    __table_args__ = (UniqueConstraint("rule_set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2 ... within its rule set
    effective_from: Mapped[dt.date] = mapped_column(Date)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


class JudgedYear(Model):
    """A closed year and the versions it is judged with (ids of rule_set_version). A year without
    a row is judged with the versions in force on its last day; a year is pinned when the rule
    sets change after it closed, and only an explicit re-judging (audited) pins it anew."""

    __tablename__ = "judged_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version_ids: Mapped[list[int]] = mapped_column(JSON)
    judged_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Who re-judged it; None: pinned as it stood when the rule sets changed after it closed.
    judged_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


# What a version freezes: everything that decides whom a rule set judges and how.
VERSIONED = ("description", "valid_from", "valid_to", "title_levels", "unit_levels", "unit_tiers", "unit_types", "priority",
             "min_credits", "min_hours", "hourless_hours_per_credit", "class_1_min", "class_1_max", "class_2_min",
             "interchange_percent", "caps", "multi_year", "deeming_categories")
SETS = ("title_levels", "unit_levels", "unit_tiers", "unit_types", "deeming_categories")
DECIMALS = ("min_credits", "min_hours", "hourless_hours_per_credit", "class_1_min", "class_1_max", "class_2_min")
