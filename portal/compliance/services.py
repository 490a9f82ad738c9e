"""Compliance answers: one person's year, and every person of a set of units at once (read
from the yearly summary: two queries, three when multi-year requirements look back, whatever
the number of people)."""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select, type_coerce, union
from sqlalchemy.orm import aliased

from portal.compliance import summaries, versions
from portal.compliance.rules import Bucket, CategoryCap, Context, Figures, Verdict, choose, judge, messages
from portal.contracts import credits_text, hours_text
from portal.dictionaries.services import tree
from portal.extensions import db
from portal.models import (
    CreditCategory,
    CreditRecord,
    CreditYear,
    CreditYearBucket,
    DictionaryEntry,
    Person,
    PersonHistory,
    RuleSet,
    Unit,
)
from portal.models.types import inline_ids
from portal.people import standing
from portal.people.standing import Standing
from portal.request_memo import kept, per_request

ACTIVE = "正常"
# Table columns, not ORM attributes: thousands of rows at a time are read as plain Core rows.
_year, _bucket = CreditYear.__table__.c, CreditYearBucket.__table__.c
_person = Person.__table__.c
# Whose years units and the province judge: those who were active staff that year (out-of-province
# learners are judged by their own province).


def _units(column):
    """A credits or hours column as stored (hundredths, tenths): what judging counts in."""
    return type_coerce(column, Integer)


# The columns judging reads, in the order of Figures and Bucket.
FIGURES = (_year.records, _units(_year.hours), _units(_year.class_1), _units(_year.class_2), _units(_year.class_other),
           _units(_year.hourless_credits))
SUMMARY = (_year.person_id, _year.year, *FIGURES)
BUCKET = (_bucket.person_id, _bucket.year, _bucket.category_id, _bucket.credit_class, _bucket.node,
          _units(_bucket.credits), _units(_bucket.hours), _bucket.deeming_record_id)


@per_request
def context() -> Context:
    """The judging context, with plans of its own (a plan is made per rule set as a request sees it)."""
    categories, names, levels = _categories_and_nodes()
    return Context(categories=categories, node_names=names, messages=messages(), levels=levels)


@kept
def _categories_and_nodes() -> tuple[dict[int, CategoryCap], dict[str, str], frozenset[str]]:
    types = current_app.extensions["portal"].credit_types  # the registry (categories is above this package)
    categories = {c.id: CategoryCap(c.name, c.yearly_cap, c.cap_group, c.summary_node, _deeming(types, c))
                  for c in db.session.scalars(select(CreditCategory).order_by(CreditCategory.position, CreditCategory.id))}
    names = dict(db.session.execute(
        select(DictionaryEntry.code, DictionaryEntry.name)
        .where(DictionaryEntry.dictionary.in_(("credit_levels", "summary_nodes")))
        .order_by(DictionaryEntry.dictionary)  # credit_levels first, so summary node names win
    ).all())
    levels = frozenset(db.session.scalars(select(DictionaryEntry.code).where(DictionaryEntry.dictionary == "credit_levels")))
    return categories, names, levels


def _deeming(types, category: CreditCategory) -> str:
    credit_type = types.get(category.type_slug)
    return str(credit_type().deeming(credit_type().params(category.params))) if credit_type else ""


def rule_sets(year: int) -> list[RuleSet]:
    """The rule sets, as the versions ``year`` is judged with (portal.compliance.versions)."""
    return versions.for_judging().judging(year)


def _lookback(sets: list[RuleSet]) -> int:
    """How many years (this one included) the multi-year requirements of ``sets`` look at."""
    return max((int(r["years"]) for s in sets for r in s.multi_year or ()), default=1)


@functools.cache
def _one_person(columns: tuple) -> Select:
    """``columns`` (SUMMARY or BUCKET) of one person's years (bound: person_id, first, last), built
    once: a person's pages read them on every request."""
    table = columns[0].table.c
    return select(*columns).where(table.person_id == bindparam("person_id"),
                                  table.year.between(bindparam("first"), bindparam("last")))


def _buckets(bucket_rows: Select, values: dict[str, Any] | None = None) -> dict[tuple[int, int], list[Bucket]]:
    """(person id, year) → the bucket rows selected (with ``values`` for its parameters)."""
    found: dict[tuple[int, int], list[Bucket]] = defaultdict(list)
    for person_id, year, category_id, credit_class, node, credits, hours, deeming in \
            db.session.connection().execute(bucket_rows, values).all():
        found[person_id, year].append(Bucket(category_id, credit_class, node, credits, hours, deeming))
    return found


def _figures(rows: Select, buckets: dict[tuple[int, int], list[Bucket]],
             values: dict[str, Any] | None = None) -> dict[int, dict[int, Figures]]:
    """person id → year → Figures, from the credit_year rows selected (SUMMARY, with ``values`` for
    its parameters) and their buckets."""
    found: dict[int, dict[int, Figures]] = defaultdict(dict)
    for person_id, year, *figures in db.session.connection().execute(rows, values).all():
        found[person_id][year] = Figures(year, *figures, buckets.get((person_id, year), ()))
    return found


def person_year(person: Person, year: int) -> Verdict:
    return person_years(person, [year])[0]


def person_years(person: Person, years: list[int]) -> list[Verdict]:
    """The person's ``years``, each with all its buckets (for the 各类学分汇总 tree), read in one go
    with the earlier years their multi-year requirements look back on."""
    judging, history = versions.for_judging(), standing.history(person)
    chosen = {year: choose(judging.judging(year), year, history.at(year)) for year in years}
    first = min(year - _lookback([rule_set] if rule_set else []) + 1 for year, rule_set in chosen.items())
    last = max(years)
    years_of = {"person_id": person.id, "first": first, "last": last}
    figures = _figures(_one_person(SUMMARY), _buckets(_one_person(BUCKET), years_of), years_of)
    own, ctx = figures.get(person.id, {}), context()
    return [judge(own.get(year, Figures(year)), chosen[year], ctx, history, own, with_nodes=True) for year in years]


class CountedRecord(NamedTuple):
    """A counted record as the year's pages, forms and exports show it."""
    id: int
    activity_date: dt.date
    activity_number: str
    activity_name: str
    credit_class: str
    credit_level: str
    discipline: str
    sub_discipline: str
    hosting_method: str
    credits: Decimal
    hours: Decimal
    category_name: str
    unit_name: str
    issuer: str  # the issuing body (发证机构) as entered: a unit of the portal's, or the name typed


def counted_records(person_id: int, year: int) -> list[CountedRecord]:
    """The year's records that count: approved, and not replaced by an approved correction."""
    return [CountedRecord(*row) for row in db.session.execute(
        _counted_statement(), {"person_id": person_id, **CreditRecord.dated_values(*summaries.year_range(year))})]


@functools.cache
def _counted_statement() -> Select:
    # Columns, not records: a year of a hundred records loaded as ORM objects with their category
    # and units was the biggest part of 达标情况查询. Built once (bindparam): its cache key too.
    issuing = aliased(Unit)
    return (select(CreditRecord.id, CreditRecord.activity_date, CreditRecord.activity_number, CreditRecord.activity_name,
                   CreditRecord.credit_class, CreditRecord.credit_level, CreditRecord.discipline,
                   CreditRecord.sub_discipline, CreditRecord.hosting_method, CreditRecord.credits, CreditRecord.hours,
                   CreditCategory.name, Unit.name, func.coalesce(issuing.name, CreditRecord.issuer_name))
            .join(CreditCategory, CreditCategory.id == CreditRecord.category_id)
            .join(Unit, Unit.id == CreditRecord.unit_id)
            .outerjoin(issuing, issuing.id == CreditRecord.issuing_unit_id)
            .where(CreditRecord.person_id == bindparam("person_id"), summaries.COUNTED, CreditRecord.dated_bound())
            .order_by(CreditRecord.activity_date, CreditRecord.id))


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


def results(year: int, unit_ids: list[int] | None = None, sets: list[RuleSet] | None = None) -> list[PersonResult]:
    """The year of every person who was active staff of ``unit_ids`` (everyone when None) that
    year, by their standing that year, in person-number order, judged with the versions the year
    is judged with (or ``sets``: re-judging compares two). Each person comes with this year's
    credit_year row, joined; earlier years are read only when a multi-year requirement looks back."""
    sets = rule_sets(year) if sets is None else sets
    valid = [s for s in sets if s.valid_from <= year and (s.valid_to is None or year <= s.valid_to)]
    first = year - _lookback(valid) + 1
    ctx = context()
    # Who may have been there that year: staff now, or anyone with a history row there. A UNION,
    # not an OR: with the OR PostgreSQL expects half the province and scans every person and bucket.
    candidates = select(_person.id).where(_person.out_of_province.is_(False))
    if unit_ids is not None:
        history = PersonHistory.__table__.c
        candidates = union(candidates.where(_person.unit_id.in_(inline_ids(unit_ids))),
                           candidates.join(PersonHistory.__table__, history.person_id == _person.id)
                           .where(history.unit_id.in_(inline_ids(unit_ids))))
    people = (select(_person.id, _person.person_no, _person.name, _person.department, *FIGURES)
              .outerjoin(CreditYear.__table__, and_(_year.person_id == _person.id, _year.year == year))
              .where(_person.id.in_(candidates)).order_by(_person.person_no))
    # The buckets a judgement of this year can need: of capped categories, of deeming records, of
    # the nodes multi-year requirements count. The rest is in the credit_year row's totals.
    capped = set().union(*(ctx.plan(s).key_of for s in valid))
    nodes = {node for s in valid for r in s.multi_year or () for node in r["nodes"]}
    nodes |= set().union(*(ctx.plan(s).node_key for s in valid))
    bucket_rows = select(*BUCKET).where(_bucket.person_id.in_(candidates), _bucket.year.between(first, year),
                                        or_(_bucket.category_id.in_(capped), _bucket.node.in_(nodes),
                                            _bucket.deeming_record_id.is_not(None)))
    earlier_rows = select(*SUMMARY).where(_year.person_id.in_(candidates), _year.year.between(first, year - 1))
    buckets = _buckets(bucket_rows)
    earlier = _figures(earlier_rows, buckets) if first < year else {}
    known = standing.histories(PersonHistory.__table__.c.person_id.in_(candidates))
    rows = db.session.connection().execute(people).all()
    # No history at all: judged as they stand today.
    known |= standing.as_today(row[0] for row in rows if row[0] not in known)
    chosen: dict[Standing, RuleSet | None] = {}
    wanted = None if unit_ids is None else set(unit_ids)
    answers = []
    for person_id, person_no, name, department, records, *figures in rows:
        history = known[person_id]
        stood = history.at(year)
        if stood.status != ACTIVE or (wanted is not None and stood.unit_id not in wanted):
            continue
        this_year = (Figures(year, records, *figures, buckets.get((person_id, year), ())) if records is not None
                     else Figures(year))
        if stood not in chosen:
            chosen[stood] = choose(sets, year, stood)
        answers.append(PersonResult(person_id, person_no, name, department, stood.title_level, stood.unit_id,
                                    stood.unit_name, judge(this_year, chosen[stood], ctx, history,
                                                           earlier.get(person_id, {}))))
    return answers


def percent(compliant: int, staff: int) -> Decimal | None:
    """Share of compliant people, in percent with one decimal (None for nobody)."""
    return (Decimal(compliant * 100) / staff).quantize(Decimal("0.1")) if staff else None


def rate(answers: list[PersonResult]) -> Decimal | None:
    return percent(sum(1 for a in answers if a.verdict.compliant), len(answers))


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
    return {"name": node["name"], "credits": credits_text(node['credits']), "hours": hours_text(node['hours']),
            "children": [tree_json(c) for c in node["children"]]}
