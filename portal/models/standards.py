"""Compliance standards (达标标准): rule sets a provincial admin edits. A rule set is valid for a
span of years and applies to a group (title levels, unit levels, or everyone); a person's year
is judged by the rule set valid that year for their group."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Integer, String, Text
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

    def __repr__(self) -> str:
        return self.name
