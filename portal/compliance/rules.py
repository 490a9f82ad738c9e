"""Judging a person's year against a rule set: caps, the I类 maximum, class minima with
interchange, hours, multi-year requirements and deeming records. Pure functions over the
summary (no database), so that one person and five thousand are judged by the same code."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from flask_babel import gettext as _

from portal.contracts import credits as to_credits
from portal.contracts import hours as to_hours
from portal.models import CreditYear, RuleSet

ZERO = Decimal("0.00")
# A cap cuts a group's credits from these classes first: I类 is the scarcer, so it is kept.
_CUT_ORDER = {"other": 0, "II": 1, "I": 2}


def plain(value: Decimal) -> str:
    """A number as people write it: 2.5, 10, 0.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Bucket:
    category_id: int
    credit_class: str
    node: str
    credits: Decimal
    hours: Decimal


@dataclass(frozen=True)
class Figures:
    """A person's counted records of one year, summed (a credit_year row, or nothing)."""

    year: int
    records: int = 0
    buckets: tuple[Bucket, ...] = ()
    deeming: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, year: int, row: CreditYear | None) -> "Figures":
        if row is None:
            return cls(year)
        return cls(year=year, records=row.records,
                   buckets=tuple(Bucket(c, cls_, node, Decimal(cr), Decimal(h)) for c, cls_, node, cr, h in row.buckets),
                   deeming={int(k): v for k, v in row.deeming.items()})

    def node_credits(self, nodes: Iterable[str]) -> Decimal:
        wanted = set(nodes)
        return sum((b.credits for b in self.buckets if b.node in wanted), ZERO)


@dataclass(frozen=True)
class CategoryCap:
    name: str
    yearly_cap: Decimal | None
    cap_group: str


@dataclass(frozen=True)
class Context:
    """What judging needs besides the rule set, read once for any number of people."""

    categories: Mapping[int, CategoryCap]
    node_names: Mapping[str, str]


@dataclass(frozen=True)
class CapCut:
    label: str
    entered: Decimal
    cap: Decimal
    counted: Decimal


@dataclass(frozen=True)
class Shortfall:
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
    # 各类学分汇总 node → (credits after caps, hours)
    nodes: dict[str, tuple[Decimal, Decimal]]


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


def cap_limits(rule_set: RuleSet, context: Context) -> dict[str, tuple[str, Decimal]]:
    """Cap key → (what it covers, cap): the categories' yearly caps, replaced by the rule set's."""
    members: dict[str, list[str]] = {}
    limits: dict[str, Decimal] = {}
    for category_id, category in context.categories.items():
        key = _cap_key(category_id, category)
        members.setdefault(key, []).append(category.name)
        if category.yearly_cap is not None:
            limits[key] = min(limits.get(key, category.yearly_cap), category.yearly_cap)
    for override in rule_set.caps or ():
        category = context.categories.get(int(override["category_id"]))
        if category is not None:
            limits[_cap_key(int(override["category_id"]), category)] = Decimal(str(override["cap"]))
    return {key: ("、".join(members[key]), cap) for key, cap in limits.items()}


def _cap_key(category_id: int, category: CategoryCap) -> str:
    return category.cap_group or f"category:{category_id}"


def judge(figures: Figures, rule_set: RuleSet | None, context: Context, unit_level: str | None = None,
          earlier: Mapping[int, Figures] | None = None) -> Verdict:
    """A person's year under ``rule_set``. ``earlier`` holds the previous years the rule set's
    multi-year requirements look back on."""
    counted, caps = _apply_caps(figures, rule_set, context) if rule_set else (list(figures.buckets), [])
    by_class = {"I": ZERO, "II": ZERO, "other": ZERO}
    nodes: dict[str, tuple[Decimal, Decimal]] = {}
    for bucket in counted:
        by_class[bucket.credit_class] = by_class.get(bucket.credit_class, ZERO) + bucket.credits
        node_credits, node_hours = nodes.get(bucket.node, (ZERO, Decimal("0.0")))
        nodes[bucket.node] = (node_credits + bucket.credits, node_hours + bucket.hours)
    hours = to_hours(sum((b.hours for b in figures.buckets), Decimal(0)))
    entered = to_credits(sum((b.credits for b in figures.buckets), ZERO))
    class_1_max = rule_set.class_1_max if rule_set else None
    excess = max(by_class["I"] - class_1_max, ZERO) if class_1_max is not None else ZERO
    total = to_credits(sum(by_class.values(), ZERO) - excess)
    verdict = Verdict(
        year=figures.year, rule_set=rule_set, compliant=None, records=figures.records, entered=entered,
        credits=total, hours=hours, class_1=to_credits(by_class["I"]), class_2=to_credits(by_class["II"]),
        other=to_credits(by_class["other"]), class_1_excess=to_credits(excess), caps=caps, shortfalls=[],
        deemed_by=None, nodes=nodes,
    )
    if rule_set is None:
        return verdict
    deeming = [record_id for category_id, record_id in figures.deeming.items()
               if category_id in set(rule_set.deeming_categories or ())]
    if deeming:
        verdict.deemed_by, verdict.compliant = min(deeming), True
        return verdict
    verdict.shortfalls = _shortfalls(verdict, rule_set, context, unit_level, figures, earlier or {})
    verdict.compliant = not verdict.shortfalls
    return verdict


def _apply_caps(figures: Figures, rule_set: RuleSet, context: Context) -> tuple[list[Bucket], list[CapCut]]:
    limits = cap_limits(rule_set, context)
    by_key: dict[str, list[Bucket]] = {}
    counted: list[Bucket] = []
    for bucket in figures.buckets:
        category = context.categories.get(bucket.category_id)
        key = _cap_key(bucket.category_id, category) if category else None
        if key in limits:
            by_key.setdefault(key, []).append(bucket)
        else:
            counted.append(bucket)
    cuts = []
    for key, buckets in by_key.items():
        label, cap = limits[key]
        entered = sum((b.credits for b in buckets), ZERO)
        over = max(entered - cap, ZERO)
        if over:
            cuts.append(CapCut(label=label, entered=entered, cap=cap, counted=cap))
        for bucket in sorted(buckets, key=lambda b: (_CUT_ORDER.get(b.credit_class, 0), b.node, b.category_id)):
            cut = min(over, bucket.credits)
            over -= cut
            counted.append(Bucket(bucket.category_id, bucket.credit_class, bucket.node, bucket.credits - cut, bucket.hours))
    return counted, cuts


def _shortfalls(verdict: Verdict, rule_set: RuleSet, context: Context, unit_level: str | None,
                figures: Figures, earlier: Mapping[int, Figures]) -> list[Shortfall]:
    found = []

    def short(requirement: str, have: Decimal, need: Decimal, message: str) -> None:
        if have < need:
            missing = need - have
            found.append(Shortfall(requirement, missing, message % {"missing": plain(missing)}))

    short("total", verdict.credits, rule_set.min_credits, _("Total credits: %(missing)s short"))
    if rule_set.min_hours:
        short("hours", verdict.hours, rule_set.min_hours, _("Hours: %(missing)s short"))
    keep = Decimal(100 - rule_set.interchange_percent) / 100
    short("class_1", verdict.class_1 - verdict.class_1_excess, to_credits(rule_set.class_1_min * keep),
          _("Class I credits: %(missing)s short"))
    short("class_2", verdict.class_2, to_credits(rule_set.class_2_min * keep), _("Class II credits: %(missing)s short"))
    for requirement in rule_set.multi_year or ():
        levels = requirement.get("unit_levels") or []
        if levels and (unit_level or "") not in levels:
            continue
        years = int(requirement["years"])
        window = [figures] + [earlier.get(verdict.year - back, Figures(verdict.year - back)) for back in range(1, years)]
        have = sum((f.node_credits(requirement["nodes"]) for f in window), ZERO)
        what = "、".join(context.node_names.get(n, n) for n in requirement["nodes"])
        short("multi_year", have, Decimal(str(requirement["min_credits"])),
              _("%(what)s credits within %(years)d years: %%(missing)s short", what=what, years=years))
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
    for key, (label, cap) in sorted(cap_limits(rule_set, context).items()):
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
