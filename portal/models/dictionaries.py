"""Reference dictionaries the provincial admin edits: 学分级别 (with the credit class each
gives), 举办方式, the discipline tree (二级学科 → 三级学科) and 活动类型."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

DICTIONARIES = ("credit_levels", "hosting_methods", "disciplines", "activity_types")


class DictionaryEntry(Model):
    __tablename__ = "dictionary_entry"
    __table_args__ = (UniqueConstraint("dictionary", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dictionary: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # Only for credit levels: the class a record at this level gives (I, II or other).
    credit_class: Mapped[str | None] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_entry.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[DictionaryEntry | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[DictionaryEntry]] = relationship(
        back_populates="parent", order_by="(DictionaryEntry.position, DictionaryEntry.id)"
    )

    def __repr__(self) -> str:
        return self.name
