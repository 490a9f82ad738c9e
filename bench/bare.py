"""The bare SQL each credit page needs, through SQLAlchemy Core: its page of rows (the columns it
shows) and its total count. The floor of the page's database work: no ORM, no template."""
from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, Select, func, select

from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person

PAGE_SIZE = 20


def sql_timer(engine: Engine, *statements: Select) -> Callable[[], float]:
    """A function running ``statements`` on a pooled connection, all rows fetched, in milliseconds."""
    def once() -> float:
        start = time.perf_counter()
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(statement).all()
        return (time.perf_counter() - start) * 1000
    return once
record, category = CreditRecord.__table__, CreditCategory.__table__


def my_credits(person_id: int) -> tuple[Select, Select]:
    """录入学分查询管理: the person's records but deleted ones, newest activity first."""
    where = (record.c.person_id == person_id, record.c.status != "deleted")
    page = (select(record.c.id, record.c.status, record.c.activity_date, record.c.activity_name,
                   category.c.name.label("category"), record.c.credits, record.c.hours, record.c.review_comment)
            .join_from(record, category, record.c.category_id == category.c.id).where(*where)
            .order_by(record.c.activity_date.desc(), record.c.id.desc()).limit(PAGE_SIZE))
    return page, select(func.count()).select_from(record).where(*where)


def review_queue(unit_id: int) -> tuple[Select, Select]:
    """The unit's submitted records, first submitted first, with each one's evidence count."""
    person, evidence = Person.__table__, EvidenceFile.__table__
    where = (record.c.unit_id == unit_id, record.c.status == "submitted")
    evidence_count = (select(func.count()).select_from(evidence).where(evidence.c.record_id == record.c.id)
                      .scalar_subquery())
    page = (select(record.c.id, person.c.name.label("person"), record.c.activity_date, record.c.activity_name,
                   category.c.name.label("category"), record.c.credits, record.c.hours, evidence_count)
            .join_from(record, person, record.c.person_id == person.c.id)
            .join(category, record.c.category_id == category.c.id).where(*where)
            .order_by(record.c.submitted_at, record.c.id).limit(PAGE_SIZE))
    return page, select(func.count()).select_from(record).where(*where)


def credit_query(person_id: int, first, last) -> tuple[Select, Select]:
    """学分情况查询: the person's records in a date range, oldest first, and the totals by class."""
    where = (record.c.person_id == person_id, record.c.status != "deleted", record.c.activity_date.between(first, last))
    rows = (select(record.c.id, record.c.activity_date, record.c.activity_number, record.c.activity_name,
                   record.c.activity_type, record.c.credit_level, record.c.discipline, record.c.hosting_method,
                   record.c.hours, record.c.credits, record.c.status, record.c.review_comment)
            .where(*where).order_by(record.c.activity_date, record.c.id).limit(50))
    totals = (select(record.c.credit_class, func.count(), func.sum(record.c.credits), func.sum(record.c.hours))
              .where(*where).group_by(record.c.credit_class))
    return rows, totals


def person_year(person_id: int, first, last) -> tuple[Select, Select]:
    """达标情况查询 from the records: the year's approved records and their sums by category and class."""
    where = (record.c.person_id == person_id, record.c.status == "approved", record.c.activity_date.between(first, last))
    rows = (select(record.c.id, record.c.activity_date, record.c.activity_number, record.c.activity_name,
                   record.c.credit_class, category.c.name, record.c.credits, record.c.hours)
            .join_from(record, category, record.c.category_id == category.c.id)
            .where(*where).order_by(record.c.activity_date, record.c.id))
    sums = (select(record.c.category_id, record.c.credit_class, func.sum(record.c.credits), func.sum(record.c.hours))
            .where(*where).group_by(record.c.category_id, record.c.credit_class))
    return rows, sums


def unit_totals(unit_ids, first, last) -> Select:
    """The hand-written GROUP BY of the unit compliance case: every active person's approved
    credits and hours of the year, by class."""
    person = Person.__table__
    return (select(record.c.person_id, record.c.credit_class, func.sum(record.c.credits), func.sum(record.c.hours))
            .join_from(record, person, record.c.person_id == person.c.id)
            .where(person.c.unit_id.in_(unit_ids), person.c.status == "正常", record.c.status == "approved",
                   record.c.activity_date.between(first, last))
            .group_by(record.c.person_id, record.c.credit_class))
