"""Credit categories (学分类别): configuration a provincial admin edits. Each picks a credit
type (a plugin) and fills that type's parameters; several categories share a type."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import FixedDecimal


class CreditCategory(Model):
    __tablename__ = "credit_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type_slug: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # I, II or other; the free form takes the class of the record's 学分级别 instead.
    credit_class: Mapped[str] = mapped_column(String(8))
    # The node of 各类学分汇总 its credits count under (empty: by the record's 学分级别).
    summary_node: Mapped[str] = mapped_column(String(64), default="")
    # Most credits a person may count from this category in a year; categories with the same
    # cap group share one cap (unit activities and case discussions).
    yearly_cap: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    cap_group: Mapped[str] = mapped_column(String(40), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[int | None] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return self.name
