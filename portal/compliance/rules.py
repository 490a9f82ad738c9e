"""Judging a person's year against a rule set: caps, the I类 maximum, class minima with
interchange, hours, multi-year requirements and deeming records. Pure functions over the
summary (no database), so that one person and five thousand are judged by the same code."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from flask_babel import gettext as _

from portal.contracts import credits as to_credits
from portal.models import RuleSet

ZERO = Decimal("0.00")
# A cap cuts a group's credits from these classes first: I类 is the scarcer, so it is kept.
_CUT_ORDER = {"other": 0, "II": 1, "I": 2}


def plain(value: Decimal) -> str:
    """A number as people write it: 2.5, 10, 0.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Bucket(NamedTuple):
    """Counted credits of one category, class and 各类学分汇总 node (a credit_year_bucket row).
    Value records judged by the thousand are named tuples: a frozen dataclass costs several
    times as much to make."""

    category_id: int
    credit_class: str
    node: str
    credits: Decimal
    hours: Decimal
    deeming_record_id: int | None = None


@dataclass
class Figures:
    """A person's counted records of one year, summed (a credit_year row, or nothing). Only the
    buckets a judgement needs are given: all of them for one person's page; for a whole unit,
    those of capped and deeming categories and of multi-year nodes."""

    year: int
    records: int = 0
    hours: Decimal = Decimal("0.0")
    by_class: Mapping[str, Decimal] = field(default_factory=dict)
    buckets: Sequence[Bucket] = ()

    @classmethod
    def of(cls, row: Any, buckets: Sequence[Bucket] = ()) -> "Figures":
        """From a credit_year row (ORM object or Core row with the same columns)."""
        return cls(year=row.year, records=row.records, hours=row.hours,
                   by_class={"I": row.class_1, "II": row.class_2, "other": row.class_other}, buckets=buckets)

    def node_credits(self, nodes: Iterable[str]) -> Decimal:
        wanted = set(nodes)
        return sum((b.credits for b in self.buckets if b.node in wanted), ZERO)


@dataclass(frozen=True)
class CategoryCap:
    name: str
    yearly_cap: Decimal | None
    cap_group: str


@dataclass(frozen=True)
class Requirement:
    """A multi-year requirement, read once from a rule set's JSON."""

    years: int
    min_credits: Decimal
    nodes: tuple[str, ...]
    unit_levels: frozenset[str]
    message: str


@dataclass(frozen=True)
class Plan:
    """A rule set as judging uses it, worked out once for any number of people."""

    key_of: dict[int, str]  # capped category id → cap key
    limits: dict[str, tuple[str, Decimal]]  # cap key → (what it covers, cap)
    deeming: frozenset[int]
    min_credits: Decimal
    min_hours: Decimal
    class_1_floor: Decimal  # the class minima after interchange
    class_2_floor: Decimal
    class_1_max: Decimal | None
    multi_year: tuple[Requirement, ...]


@dataclass(frozen=True)
class Context:
    """What judging needs besides the rule set, read once for any number of people: the
    categories' caps, node names, and the shortfall messages already translated."""

    categories: Mapping[int, CategoryCap]
    node_names: Mapping[str, str]
    messages: Mapping[str, str]
    _plans: dict[int, Plan] = field(default_factory=dict, compare=False)

    def plan(self, rule_set: RuleSet) -> Plan:
        if rule_set.id not in self._plans:
            self._plans[rule_set.id] = self._make_plan(rule_set)
        return self._plans[rule_set.id]

    def _make_plan(self, rule_set: RuleSet) -> Plan:
        # Caps: the categories' yearly caps, replaced by the rule set's.
        members: dict[str, list[str]] = {}
        limits: dict[str, Decimal] = {}
        for category_id, category in self.categories.items():
            key = _cap_key(category_id, category)
            members.setdefault(key, []).append(category.name)
            if category.yearly_cap is not None:
                limits[key] = min(limits.get(key, category.yearly_cap), category.yearly_cap)
        for override in rule_set.caps or ():
            category = self.categories.get(int(override["category_id"]))
            if category is not None:
                limits[_cap_key(int(override["category_id"]), category)] = Decimal(str(override["cap"]))
        keep = Decimal(100 - rule_set.interchange_percent) / 100
        return Plan(
            key_of={c: _cap_key(c, category) for c, category in self.categories.items() if _cap_key(c, category) in limits},
            limits={key: ("、".join(members[key]), cap) for key, cap in limits.items()},
            deeming=frozenset(rule_set.deeming_categories or ()), min_credits=rule_set.min_credits,
            min_hours=rule_set.min_hours, class_1_floor=to_credits(rule_set.class_1_min * keep),
            class_2_floor=to_credits(rule_set.class_2_min * keep), class_1_max=rule_set.class_1_max,
            multi_year=tuple(Requirement(
                years=int(r["years"]), min_credits=Decimal(str(r["min_credits"])), nodes=tuple(r["nodes"]),
                unit_levels=frozenset(r.get("unit_levels") or ()),
                message=self.messages["multi_year"] % {
                    "what": "、".join(self.node_names.get(n, n) for n in r["nodes"]), "years": int(r["years"])},
            ) for r in rule_set.multi_year or ()),
        )


def _cap_key(category_id: int, category: CategoryCap) -> str:
    return category.cap_group or f"category:{category_id}"


class CapCut(NamedTuple):
    label: str
    entered: Decimal
    cap: Decimal
    counted: Decimal


class Shortfall(NamedTuple):
    requirement: str  # total, hours, class_1, class_2, multi_year
    missing: Decimal
    message: str


@dataclass
class Verdict:
    year: int
    rule_set: RuleSet | None
    # None: no rule set applies to this year and group, so nothing can be said.
    compliant: bool | None
    records: int
    entered: Decimal  # credits of the counted records, before caps
    credits: Decimal  # credits that count toward the year, after caps and the I类 maximum
    hours: Decimal
    class_1: Decimal
    class_2: Decimal
    other: Decimal
    class_1_excess: Decimal
    caps: list[CapCut]
    shortfalls: list[Shortfall]
    deemed_by: int | None
    # 各类学分汇总 node → (credits after caps, hours); filled when asked for (``with_nodes``).
    nodes: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


def choose(rule_sets: Sequence[RuleSet], year: int, title_level: str, unit_level: str | None) -> RuleSet | None:
    """The rule set for a person's year: valid that year, fitting their group, highest priority."""
    fitting = [
        r for r in rule_sets
        if r.enabled and r.valid_from <= year and (r.valid_to is None or year <= r.valid_to)
        and (not r.title_levels or title_level in r.title_levels)
        and (not r.unit_levels or (unit_level or "") in r.unit_levels)
    ]
    return min(fitting, key=lambda r: (-r.priority, -len(r.title_levels or ()) - len(r.unit_levels or ()), r.id),
               default=None)


def judge(figures: Figures, rule_set: RuleSet | None, context: Context, unit_level: str | None = None,
          earlier: Mapping[int, Figures] | None = None, with_nodes: bool = False) -> Verdict:
    """A person's year under ``rule_set``. ``earlier`` holds the previous years the rule set's
    multi-year requirements look back on."""
    plan = context.plan(rule_set) if rule_set else None
    caps, class_cut, node_cut = _apply_caps(figures, plan) if plan else ([], {}, {})
    by_class = {cls: figures.by_class.get(cls, ZERO) - class_cut.get(cls, ZERO) for cls in ("I", "II", "other")}
    class_1_max = plan.class_1_max if plan else None
    excess = max(by_class["I"] - class_1_max, ZERO) if class_1_max is not None else ZERO
    # Sums and differences of two-place credits keep two places: no rounding is needed here.
    verdict = Verdict(
        year=figures.year, rule_set=rule_set, compliant=None, records=figures.records,
        entered=sum(figures.by_class.values(), ZERO), credits=sum(by_class.values(), ZERO) - excess,
        hours=figures.hours, class_1=by_class["I"], class_2=by_class["II"], other=by_class["other"],
        class_1_excess=excess, caps=caps, shortfalls=[], deemed_by=None,
    )
    if with_nodes:
        for bucket in figures.buckets:
            node_credits, node_hours = verdict.nodes.get(bucket.node, (ZERO, Decimal("0.0")))
            verdict.nodes[bucket.node] = (node_credits + bucket.credits, node_hours + bucket.hours)
        for node, cut in node_cut.items():
            verdict.nodes[node] = (verdict.nodes[node][0] - cut, verdict.nodes[node][1])
    if plan is None:
        return verdict
    deeming = [b.deeming_record_id for b in figures.buckets
               if b.deeming_record_id is not None and b.category_id in plan.deeming]
    if deeming:
        verdict.deemed_by, verdict.compliant = min(deeming), True
        return verdict
    verdict.shortfalls = _shortfalls(verdict, plan, context.messages, unit_level, figures, earlier or {})
    verdict.compliant = not verdict.shortfalls
    return verdict


def _apply_caps(figures: Figures, plan: Plan) -> tuple[list[CapCut], dict[str, Decimal], dict[str, Decimal]]:
    """The caps that cut this year, and how much they cut from each class and each node."""
    key_of, limits = plan.key_of, plan.limits
    capped: dict[str, list[Bucket]] = {}
    for bucket in figures.buckets:
        key = key_of.get(bucket.category_id)
        if key is not None:
            capped.setdefault(key, []).append(bucket)
    cuts, class_cut, node_cut = [], {}, {}
    for key, buckets in capped.items():
        label, cap = limits[key]
        entered = sum((b.credits for b in buckets), ZERO)
        over = entered - cap
        if over <= 0:
            continue
        cuts.append(CapCut(label=label, entered=entered, cap=cap, counted=cap))
        for bucket in sorted(buckets, key=lambda b: (_CUT_ORDER.get(b.credit_class, 0), b.node, b.category_id)):
            cut = min(over, bucket.credits)
            over -= cut
            class_cut[bucket.credit_class] = class_cut.get(bucket.credit_class, ZERO) + cut
            node_cut[bucket.node] = node_cut.get(bucket.node, ZERO) + cut
    return cuts, class_cut, node_cut


def _shortfalls(verdict: Verdict, plan: Plan, messages: Mapping[str, str], unit_level: str | None,
                figures: Figures, earlier: Mapping[int, Figures]) -> list[Shortfall]:
    found = []

    def short(requirement: str, have: Decimal, need: Decimal, message: str) -> None:
        if have < need:
            missing = need - have
            found.append(Shortfall(requirement, missing, message % {"missing": plain(missing)}))

    short("total", verdict.credits, plan.min_credits, messages["total"])
    if plan.min_hours:
        short("hours", verdict.hours, plan.min_hours, messages["hours"])
    short("class_1", verdict.class_1 - verdict.class_1_excess, plan.class_1_floor, messages["class_1"])
    short("class_2", verdict.class_2, plan.class_2_floor, messages["class_2"])
    for requirement in plan.multi_year:
        if requirement.unit_levels and (unit_level or "") not in requirement.unit_levels:
            continue
        window = [figures] + [earlier[verdict.year - back] for back in range(1, requirement.years)
                              if verdict.year - back in earlier]
        have = sum((f.node_credits(requirement.nodes) for f in window), ZERO)
        short("multi_year", have, requirement.min_credits, requirement.message)
    return found


def describe(rule_set: RuleSet, context: Context) -> list[str]:
    """The rule set in plain words, a sentence per requirement (达标标准浏览)."""
    lines = [_("At least %(n)s credits a year.", n=plain(rule_set.min_credits))]
    if rule_set.min_hours:
        lines.append(_("At least %(n)s hours (学时) a year.", n=plain(rule_set.min_hours)))
    if rule_set.class_1_min or rule_set.class_1_max is not None:
        line = _("Class I credits: at least %(n)s.", n=plain(rule_set.class_1_min))
        if rule_set.class_1_max is not None:
            line += " " + _("At most %(n)s Class I credits count.", n=plain(rule_set.class_1_max))
        lines.append(line)
    if rule_set.class_2_min:
        lines.append(_("Class II credits: at least %(n)s.", n=plain(rule_set.class_2_min)))
    if rule_set.interchange_percent and (rule_set.class_1_min or rule_set.class_2_min):
        keep = Decimal(100 - rule_set.interchange_percent) / 100
        lines.append(_("Either class may stand in for up to %(p)d%% of the other's minimum (so at least %(i)s Class I "
                       "and %(ii)s Class II credits).", p=rule_set.interchange_percent,
                       i=plain(to_credits(rule_set.class_1_min * keep)), ii=plain(to_credits(rule_set.class_2_min * keep))))
    elif rule_set.class_1_min or rule_set.class_2_min:
        lines.append(_("The classes cannot stand in for each other."))
    for key, (label, cap) in sorted(context.plan(rule_set).limits.items()):
        lines.append(_("%(what)s: at most %(n)s credits count a year.", what=label, n=plain(cap)))
    for requirement in rule_set.multi_year or ():
        what = "、".join(context.node_names.get(n, n) for n in requirement["nodes"])
        line = _("%(what)s: at least %(n)s credits within %(years)d years.", what=what,
                 n=plain(Decimal(str(requirement["min_credits"]))), years=int(requirement["years"]))
        if requirement.get("unit_levels"):
            line += " " + _("(staff of %(levels)s units)", levels="、".join(requirement["unit_levels"]))
        lines.append(line)
    deeming = [context.categories[c].name for c in rule_set.deeming_categories or () if c in context.categories]
    if deeming:
        lines.append(_("An approved record of one of these deems the year compliant: %(what)s.", what="、".join(deeming)))
    return lines


def as_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict's figures for the API: credits with two decimals, hours with one, as strings."""
    return {
        "year": verdict.year, "compliant": verdict.compliant,
        "rule_set": verdict.rule_set.name if verdict.rule_set else None,
        "totals": {"credits": f"{verdict.credits:.2f}", "hours": f"{verdict.hours:.1f}",
                   "class_1": f"{verdict.class_1:.2f}", "class_2": f"{verdict.class_2:.2f}",
                   "other": f"{verdict.other:.2f}", "entered": f"{verdict.entered:.2f}", "records": verdict.records},
        "caps": [{"covers": c.label, "entered": f"{c.entered:.2f}", "cap": f"{c.cap:.2f}", "counted": f"{c.counted:.2f}"}
                 for c in verdict.caps],
        "shortfalls": [{"requirement": s.requirement, "missing": f"{s.missing:.2f}", "message": s.message}
                       for s in verdict.shortfalls],
        "deemed_by": verdict.deemed_by,
    }


def messages() -> dict[str, str]:
    """The shortfall messages, translated once for a whole unit's worth of judging."""
    return {
        "total": _("Total credits: %(missing)s short"), "hours": _("Hours: %(missing)s short"),
        "class_1": _("Class I credits: %(missing)s short"), "class_2": _("Class II credits: %(missing)s short"),
        "multi_year": _("%(what)s credits within %(years)d years: %%(missing)s short"),
    }
