"""Compliance answers: one person's year, and every person of a set of units at once (read
from the yearly summary: two queries, whatever the number of people)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.compliance import summaries
from portal.compliance.rules import CategoryCap, Context, Figures, Verdict, choose, judge, messages
from portal.dictionaries.services import tree
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, CreditYear, DictionaryEntry, Person, RuleSet, Unit

ACTIVE = "正常"
# The credit_year columns judging reads (Core rows, not ORM objects: thousands at a time).
SUMMARY = (CreditYear.year, CreditYear.records, CreditYear.hours, CreditYear.class_1, CreditYear.class_2,
           CreditYear.class_other, CreditYear.buckets, CreditYear.deeming)


def context() -> Context:
    categories = {c.id: CategoryCap(c.name, c.yearly_cap, c.cap_group)
                  for c in db.session.scalars(select(CreditCategory).order_by(CreditCategory.position, CreditCategory.id))}
    names = dict(db.session.execute(
        select(DictionaryEntry.code, DictionaryEntry.name)
        .where(DictionaryEntry.dictionary.in_(("credit_levels", "summary_nodes")))
        .order_by(DictionaryEntry.dictionary)  # credit_levels first, so summary node names win
    ).all())
    return Context(categories=categories, node_names=names, messages=messages())


def rule_sets() -> list[RuleSet]:
    return list(db.session.scalars(select(RuleSet).where(RuleSet.enabled.is_(True)).order_by(RuleSet.valid_from, RuleSet.id)))


def _lookback(sets: list[RuleSet]) -> int:
    """How many years (this one included) the multi-year requirements of ``sets`` look at."""
    return max((int(r["years"]) for s in sets for r in s.multi_year or ()), default=1)


def person_year(person: Person, year: int) -> Verdict:
    rule_set = choose(rule_sets(), year, person.title_level, person.unit.level)
    years = _lookback([rule_set] if rule_set else [])
    rows = db.session.execute(select(*SUMMARY).where(
        CreditYear.person_id == person.id, CreditYear.year.between(year - years + 1, year)))
    figures = {row.year: Figures.of(row) for row in rows}
    return judge(figures.get(year, Figures(year)), rule_set, context(), person.unit.level, figures, with_nodes=True)


def counted_records(person_id: int, year: int) -> list[CreditRecord]:
    """The year's records that count: approved, and not replaced by an approved correction."""
    first, last = summaries.year_range(year)
    return list(db.session.scalars(
        select(CreditRecord)
        .where(CreditRecord.person_id == person_id, CreditRecord.activity_date.between(first, last), summaries.COUNTED)
        .options(joinedload(CreditRecord.category), joinedload(CreditRecord.unit))
        .order_by(CreditRecord.activity_date, CreditRecord.id)
    ))


@dataclass(frozen=True)
class PersonResult:
    person_id: int
    person_no: str
    name: str
    department: str
    title_level: str
    unit_id: int
    unit_name: str
    verdict: Verdict


def results(year: int, unit_ids: list[int] | None = None) -> list[PersonResult]:
    """The year of every active person of ``unit_ids`` (everyone when None), in person-number order."""
    people = (select(Person.id, Person.person_no, Person.name, Person.department, Person.title_level,
                     Person.unit_id, Unit.name, Unit.level)
              .join(Unit, Unit.id == Person.unit_id).where(Person.status == ACTIVE).order_by(Person.person_no))
    sets = rule_sets()
    years = _lookback([s for s in sets if s.valid_from <= year and (s.valid_to is None or year <= s.valid_to)])
    rows_query: Select = (select(CreditYear.person_id, *SUMMARY).join(Person, Person.id == CreditYear.person_id)
                          .where(Person.status == ACTIVE, CreditYear.year.between(year - years + 1, year)))
    if unit_ids is not None:
        people = people.where(Person.unit_id.in_(unit_ids))
        rows_query = rows_query.where(Person.unit_id.in_(unit_ids))
    figures: dict[int, dict[int, Figures]] = defaultdict(dict)
    for row in db.session.execute(rows_query):
        figures[row.person_id][row.year] = Figures.of(row)
    ctx = context()
    answers = []
    for person_id, person_no, name, department, title_level, unit_id, unit_name, unit_level in db.session.execute(people):
        own = figures.get(person_id, {})
        rule_set = choose(sets, year, title_level, unit_level)
        answers.append(PersonResult(person_id, person_no, name, department, title_level, unit_id, unit_name,
                                    judge(own.get(year, Figures(year)), rule_set, ctx, unit_level, own)))
    return answers


def rate(answers: list[PersonResult]) -> Decimal | None:
    """Share of compliant people, in percent with one decimal (None for nobody)."""
    if not answers:
        return None
    compliant = sum(1 for a in answers if a.verdict.compliant)
    return (Decimal(compliant * 100) / len(answers)).quantize(Decimal("0.1"))


def summary_tree(verdict: Verdict, ctx: Context) -> dict[str, Any]:
    """各类学分汇总: 总学分 over the configured tree of nodes, each with credits and hours (after
    caps). Nodes that records use but the tree lacks are listed under 总学分 by their own name."""
    zero = (Decimal("0.00"), Decimal("0.0"))

    def build(entry: dict[str, Any]) -> dict[str, Any]:
        children = [build(child) for child in entry["children"]]
        credits, hours = verdict.nodes.get(entry["code"], zero)
        return {"code": entry["code"], "name": entry["name"],
                "credits": credits + sum((c["credits"] for c in children), Decimal("0.00")),
                "hours": hours + sum((c["hours"] for c in children), Decimal("0.0")), "children": children}

    roots = [build(entry) for entry in tree("summary_nodes")]
    known = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        known.add(node["code"])
        stack.extend(node["children"])
    for code, (credits, hours) in sorted(verdict.nodes.items()):
        if code not in known:
            roots.append({"code": code, "name": ctx.node_names.get(code) or _("Unclassified"),
                          "credits": credits, "hours": hours, "children": []})
    return {"code": "total", "name": _("Total credits"),
            "credits": sum((r["credits"] for r in roots), Decimal("0.00")),
            "hours": sum((r["hours"] for r in roots), Decimal("0.0")), "children": roots}


def tree_json(node: dict[str, Any]) -> dict[str, Any]:
    return {"name": node["name"], "credits": f"{node['credits']:.2f}", "hours": f"{node['hours']:.1f}",
            "children": [tree_json(c) for c in node["children"]]}
