"""Where a person stands this year: the verdict of 达标情况查询 (``services.person_year``, judged
once) laid out against each requirement of the rule set that applies, with what waits for review
beside it, what is still missing in words, and the last day of the 统计年度. The home page and
GET /api/v1/compliance/progress show the same."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select

from portal.compliance import services, summaries
from portal.compliance.rules import Verdict
from portal.contracts import credits_text, hours_text
from portal.extensions import db
from portal.models import CreditRecord, Person
from portal.models.types import to_decimal

PENDING = ("submitted",)
NOT_SENT = ("draft", "rejected")


@dataclass(frozen=True)
class Line:
    """One requirement: approved credits (or hours) that count, against what it asks."""

    key: str  # total, hours, class_1, class_2, multi_year
    label: str
    have: Decimal
    need: Decimal
    pending: Decimal | None  # waiting for review, where it can be told apart

    @property
    def met(self) -> bool:
        return self.have >= self.need


@dataclass(frozen=True)
class Waiting:
    records: int
    credits: Decimal
    hours: Decimal


@dataclass(frozen=True)
class Progress:
    verdict: Verdict
    deadline: dt.date
    days_left: int
    lines: list[Line]
    pending: Waiting  # submitted, not yet reviewed
    unsent: Waiting  # drafts and rejected records, not counted until submitted and approved

    @property
    def missing(self) -> list[str]:
        return [s.message for s in self.verdict.shortfalls]


@cache
def _waiting_statement() -> Select:
    """Built once: the home page reads it on every request."""
    return (select(CreditRecord.status, CreditRecord.credit_class, func.count(), func.sum(CreditRecord.credits),
                   func.sum(CreditRecord.hours))
            .where(CreditRecord.person_id == bindparam("person_id"), CreditRecord.status.in_(PENDING + NOT_SENT),
                   CreditRecord.dated_bound())
            .group_by(CreditRecord.status, CreditRecord.credit_class))


def _waiting(person_id: int, year: int) -> tuple[Waiting, dict[str, Decimal], Waiting]:
    """The person's records of the year waiting for review (count and sums, and credits by class)
    and not sent yet (count and sums), in one query."""
    rows = db.session.execute(_waiting_statement(), {
        "person_id": person_id, **CreditRecord.dated_values(*summaries.year_range(year))}).all()

    def waiting(statuses: tuple[str, ...]) -> Waiting:
        chosen = [row for row in rows if row[0] in statuses]
        return Waiting(records=sum(n for _s, _c, n, _cr, _h in chosen),
                       credits=sum((c for _s, _cl, _n, c, _h in chosen), Decimal("0.00")),
                       hours=sum((h for _s, _cl, _n, _c, h in chosen), Decimal("0.0")))

    pending_by_class: dict[str, Decimal] = {}
    for status, cls, _n, credits, _h in rows:
        if status in PENDING:
            pending_by_class[cls] = pending_by_class.get(cls, Decimal("0.00")) + credits
    return waiting(PENDING), pending_by_class, waiting(NOT_SENT)


def of(person: Person, year: int, today: dt.date) -> Progress:
    verdict = services.person_year(person, year)
    pending, pending_by_class, unsent = _waiting(person.id, year)
    lines: list[Line] = []
    if verdict.rule_set is not None:
        plan = services.context().plan(verdict.rule_set)
        zero = Decimal("0.00")
        lines.append(Line("total", _("Total credits"), verdict.credits, to_decimal(plan.min_credits, 2), pending.credits))
        if plan.min_hours:
            lines.append(Line("hours", _("Hours"), verdict.hours, to_decimal(plan.min_hours, 1), pending.hours))
        if plan.class_1_floor:
            lines.append(Line("class_1", _("Class I credits"), verdict.class_1 - verdict.class_1_excess,
                              to_decimal(plan.class_1_floor, 2), pending_by_class.get("I", zero)))
        if plan.class_2_floor:
            lines.append(Line("class_2", _("Class II credits"), verdict.class_2, to_decimal(plan.class_2_floor, 2),
                              pending_by_class.get("II", zero)))
        lines += [Line("multi_year", m.label, m.have, m.need, None) for m in verdict.multi_year]
    deadline = summaries.year_range(year)[1]
    return Progress(verdict=verdict, deadline=deadline, days_left=max((deadline - today).days, 0), lines=lines,
                    pending=pending, unsent=unsent)


def as_json(progress: Progress) -> dict[str, Any]:
    verdict = progress.verdict

    def amount(key: str, value: Decimal | None) -> str | None:
        return None if value is None else hours_text(value) if key == "hours" else credits_text(value)

    return {
        "year": verdict.year, "compliant": verdict.compliant, "result": verdict.result,
        "rule_set": verdict.rule_set.name if verdict.rule_set else None,
        "deadline": progress.deadline.isoformat(), "days_left": progress.days_left,
        "requirements": [{"requirement": line.key, "label": line.label, "approved": amount(line.key, line.have),
                          "required": amount(line.key, line.need), "pending": amount(line.key, line.pending),
                          "met": line.met} for line in progress.lines],
        "missing": progress.missing, "deemed_by": verdict.deemed_by,
        "pending": {"records": progress.pending.records, "credits": credits_text(progress.pending.credits),
                    "hours": hours_text(progress.pending.hours)},
        "not_submitted": {"records": progress.unsent.records, "credits": credits_text(progress.unsent.credits),
                          "hours": hours_text(progress.unsent.hours)},
    }
