"""Units (单位): a tree of province → city → county → institution."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Kinds of node in the tree, from the root down.
UNIT_KINDS = ("province", "city", "county", "institution")
# Grades of an institution (单位级别).
UNIT_LEVELS = ("三级", "二级", "一级", "乡镇", "其他")
# Administrative tier (行政层级): "县级及以下" in rules means the tier, not the grade.
UNIT_TIERS = ("省", "市", "县区", "乡镇街道", "村")
UNIT_TYPES = ("医院", "疾控", "妇幼保健", "社区卫生服务中心", "卫生院", "村卫生室", "卫生行政部门", "其他")


class Unit(Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16), default="", server_default="")
    type: Mapped[str] = mapped_column(String(32), default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return self.name


def subtree(unit_id: int) -> Select:
    """The ids of ``unit_id`` and every unit below it (a city: its counties and their hospitals),
    as a subquery: choosing 杭州市 means everyone in Hangzhou, not only those attached to the city."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)
