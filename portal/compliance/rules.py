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
from portal.models import RuleSet

ZERO = Decimal("0.00")
# A cap cuts a group's credits from these classes first: I类 is the scarcer, so it is kept.
_CUT_ORDER = {"other": 0, "II": 1, "I": 2}


def plain(value: Decimal) -> str:
    """A number as people write it: 2.5, 10, 0.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Figures:
    """A person's counted records of one year, summed (a credit_year row, or nothing).
    ``buckets`` stay as stored, ``[category_id, class, node, "credits", "hours"]``, and are read
    only as far as a rule needs them."""

    year: int
    records: int = 0
    hours: Decimal = Decimal("0.0")
    by_class: Mapping[str, Decimal] = field(default_factory=dict)
    buckets: Sequence[Sequence[Any]] = ()
    deeming: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Any) -> "Figures":
        """From a credit_year row (ORM object or Core row with the same columns)."""
        return cls(year=row.year, records=row.records, hours=row.hours,
                   by_class={"I": row.class_1, "II": row.class_2, "other": row.class_other},
                   buckets=row.buckets, deeming=row.deeming)

    def node_credits(self, nodes: Iterable[str]) -> Decimal:
        wanted = set(nodes)
        return sum((Decimal(b[3]) for b in self.buckets if b[2] in wanted), ZERO)


@dataclass(frozen=True)
class CategoryCap:
    name: str
    yearly_cap: Decimal | None
    cap_group: str


@dataclass(frozen=True)
class Context:
    """What judging needs besides the rule set, read once for any number of people: the
    categories' caps, node names, and the shortfall messages already translated."""

    categories: Mapping[int, CategoryCap]
    node_names: Mapping[str, str]
    messages: Mapping[str, str]
    _caps: dict[int, tuple[dict[int, str], dict[str, tuple[str, Decimal]]]] = field(default_factory=dict, compare=False)

    def caps(self, rule_set: RuleSet) -> tuple[dict[int, str], dict[str, tuple[str, Decimal]]]:
        """(category id → cap key, for capped categories; cap key → (what it covers, cap)) under
        ``rule_set``: the categories' yearly caps, replaced by the rule set's."""
        if rule_set.id not in self._caps:
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
            key_of = {c: _cap_key(c, category) for c, category in self.categories.items()
                      if _cap_key(c, category) in limits}
            self._caps[rule_set.id] = (key_of, {key: ("、".join(members[key]), cap) for key, cap in limits.items()})
        return self._caps[rule_set.id]


def _cap_key(category_id: int, category: CategoryCap) -> str:
    return category.cap_group or f"category:{category_id}"


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
    caps, class_cut, node_cut = _apply_caps(figures, rule_set, context) if rule_set else ([], {}, {})
    by_class = {cls: figures.by_class.get(cls, ZERO) - class_cut.get(cls, ZERO) for cls in ("I", "II", "other")}
    class_1_max = rule_set.class_1_max if rule_set else None
    excess = max(by_class["I"] - class_1_max, ZERO) if class_1_max is not None else ZERO
    verdict = Verdict(
        year=figures.year, rule_set=rule_set, compliant=None, records=figures.records,
        entered=to_credits(sum(figures.by_class.values(), ZERO)), credits=to_credits(sum(by_class.values(), ZERO) - excess),
        hours=to_hours(figures.hours), class_1=to_credits(by_class["I"]), class_2=to_credits(by_class["II"]),
        other=to_credits(by_class["other"]), class_1_excess=to_credits(excess), caps=caps, shortfalls=[],
        deemed_by=None,
    )
    if with_nodes:
        for _category, _class, node, credits, hours in figures.buckets:
            node_credits, node_hours = verdict.nodes.get(node, (ZERO, Decimal("0.0")))
            verdict.nodes[node] = (node_credits + Decimal(credits), node_hours + Decimal(hours))
        for node, cut in node_cut.items():
            verdict.nodes[node] = (verdict.nodes[node][0] - cut, verdict.nodes[node][1])
    if rule_set is None:
        return verdict
    deeming = [record_id for category_id, record_id in figures.deeming.items()
               if int(category_id) in set(rule_set.deeming_categories or ())]
    if deeming:
        verdict.deemed_by, verdict.compliant = min(deeming), True
        return verdict
    verdict.shortfalls = _shortfalls(verdict, rule_set, context, unit_level, figures, earlier or {})
    verdict.compliant = not verdict.shortfalls
    return verdict


def _apply_caps(figures: Figures, rule_set: RuleSet, context: Context
                ) -> tuple[list[CapCut], dict[str, Decimal], dict[str, Decimal]]:
    """The caps that cut this year, and how much they cut from each class and each node."""
    key_of, limits = context.caps(rule_set)
    capped: dict[str, list[Sequence[Any]]] = {}
    for bucket in figures.buckets:
        key = key_of.get(bucket[0])
        if key is not None:
            capped.setdefault(key, []).append(bucket)
    cuts, class_cut, node_cut = [], {}, {}
    for key, buckets in capped.items():
        label, cap = limits[key]
        entered = sum((Decimal(b[3]) for b in buckets), ZERO)
        over = entered - cap
        if over <= 0:
            continue
        cuts.append(CapCut(label=label, entered=entered, cap=cap, counted=cap))
        for _category, credit_class, node, credits, _hours in sorted(
                buckets, key=lambda b: (_CUT_ORDER.get(b[1], 0), b[2], b[0])):
            cut = min(over, Decimal(credits))
            over -= cut
            class_cut[credit_class] = class_cut.get(credit_class, ZERO) + cut
            node_cut[node] = node_cut.get(node, ZERO) + cut
    return cuts, class_cut, node_cut


def _shortfalls(verdict: Verdict, rule_set: RuleSet, context: Context, unit_level: str | None,
                figures: Figures, earlier: Mapping[int, Figures]) -> list[Shortfall]:
    found = []

    def short(requirement: str, have: Decimal, need: Decimal, message: str) -> None:
        if have < need:
            missing = need - have
            found.append(Shortfall(requirement, missing, message % {"missing": plain(missing)}))

    messages = context.messages
    short("total", verdict.credits, rule_set.min_credits, messages["total"])
    if rule_set.min_hours:
        short("hours", verdict.hours, rule_set.min_hours, messages["hours"])
    keep = Decimal(100 - rule_set.interchange_percent) / 100
    short("class_1", verdict.class_1 - verdict.class_1_excess, to_credits(rule_set.class_1_min * keep), messages["class_1"])
    short("class_2", verdict.class_2, to_credits(rule_set.class_2_min * keep), messages["class_2"])
    for requirement in rule_set.multi_year or ():
        levels = requirement.get("unit_levels") or []
        if levels and (unit_level or "") not in levels:
            continue
        years = int(requirement["years"])
        window = [figures] + [earlier[verdict.year - back] for back in range(1, years) if verdict.year - back in earlier]
        have = sum((f.node_credits(requirement["nodes"]) for f in window), ZERO)
        what = "、".join(context.node_names.get(n, n) for n in requirement["nodes"])
        short("multi_year", have, Decimal(str(requirement["min_credits"])),
              messages["multi_year"] % {"what": what, "years": years})
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
    for key, (label, cap) in sorted(context.caps(rule_set)[1].items()):
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
