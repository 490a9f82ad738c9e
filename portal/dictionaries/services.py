"""Reading the reference dictionaries: as trees for forms and the API, the credit class of
each 学分级别 for scoring, and a value given by its code or its Chinese name."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import CreditRecord, DictionaryEntry
from portal.request_memo import kept

# The credit-record columns that store each dictionary's codes.
RECORD_COLUMNS = {
    "credit_levels": (CreditRecord.credit_level,),
    "hosting_methods": (CreditRecord.hosting_method,),
    "disciplines": (CreditRecord.discipline, CreditRecord.sub_discipline),
    "activity_types": (CreditRecord.activity_type,),
}


@kept
def tree(dictionary: str) -> list[dict[str, Any]]:
    """The enabled entries of one dictionary, children under their parents, in order."""
    entries = db.session.scalars(
        select(DictionaryEntry)
        .where(DictionaryEntry.dictionary == dictionary, DictionaryEntry.enabled.is_(True))
        .order_by(DictionaryEntry.position, DictionaryEntry.id)
    ).all()
    nodes = {e.id: {"code": e.code, "name": e.name, "class": e.credit_class, "children": []} for e in entries}
    roots = []
    for entry in entries:
        parent = nodes.get(entry.parent_id)
        (parent["children"] if parent else roots).append(nodes[entry.id])
    return roots


@kept
def level_classes() -> dict[str, str]:
    """学分级别 code → the credit class it gives."""
    return dict(db.session.execute(
        select(DictionaryEntry.code, DictionaryEntry.credit_class).where(DictionaryEntry.dictionary == "credit_levels")
    ).all())


def resolve(dictionary: str, value: str) -> DictionaryEntry | None:
    """The enabled entry whose code, or else whose name, is ``value``."""
    value = (value or "").strip()
    if not value:
        return None
    query = select(DictionaryEntry).where(DictionaryEntry.dictionary == dictionary, DictionaryEntry.enabled.is_(True))
    return (db.session.scalar(query.where(DictionaryEntry.code == value))
            or db.session.scalars(query.where(DictionaryEntry.name == value).order_by(DictionaryEntry.id)).first())


@kept
def names(dictionary: str) -> dict[str, str]:
    """Code → name of every entry of one dictionary (disabled ones too: old records use them)."""
    return dict(db.session.execute(
        select(DictionaryEntry.code, DictionaryEntry.name).where(DictionaryEntry.dictionary == dictionary)
    ).all())


def records_using(dictionary: str, code: str) -> int:
    """How many credit records store ``code`` of ``dictionary`` (deleted ones too: their history names it)."""
    columns = RECORD_COLUMNS.get(dictionary, ())
    if not columns or not code:
        return 0
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(or_(*(c == code for c in columns))))


def code_taken(entry: DictionaryEntry) -> bool:
    """Whether another entry of the same dictionary has ``entry``'s code."""
    return db.session.scalar(select(func.count()).select_from(DictionaryEntry).where(
        DictionaryEntry.dictionary == entry.dictionary, DictionaryEntry.code == entry.code,
        DictionaryEntry.id != entry.id if entry.id else True)) > 0
