"""Units (单位): a tree of province → city → county → institution."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Kinds of node in the tree, from the root down.
UNIT_KINDS = ("province", "city", "county", "institution")
# Grades of an institution (单位级别).
UNIT_LEVELS = ("三级", "二级", "一级", "乡镇", "其他")


class Unit(Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return self.name
