"""Judging a person's year against a rule set: caps, the I类 maximum, class minima with
interchange, hours, multi-year requirements and deeming records. Pure functions over the
summary (no database), so that one person and five thousand are judged by the same code.

Judging counts in the units the summary stores (credits in hundredths, hours in tenths, as
integers): a unit's thousands of people are judged without a Decimal operation each. The
verdict gives Decimals again."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from flask_babel import gettext as _

from portal.contracts import credits_text, hours_text, round_credits
from portal.models import RuleSet
from portal.models.types import to_decimal, to_units
from portal.people.standing import History, Standing

# A cap cuts a group's credits from these classes first: I类 is the scarcer, so it is kept.
_CUT_ORDER = {"other": 0, "II": 1, "I": 2}


def _credits(units: int) -> Decimal:
    return to_decimal(units, 2)


class Bucket(NamedTuple):
    """Counted credits (hundredths) and hours (tenths) of one category, class and 各类学分汇总
    node (a credit_year_bucket row). Value records judged by the thousand are named tuples: a
    frozen dataclass costs several times as much to make."""

    category_id: int
    credit_class: str
    node: str
    credits: int
    hours: int
    deeming_record_id: int | None = None


class Figures(NamedTuple):
    """A person's counted records of one year, summed (a credit_year row, or nothing): credits
    in hundredths, hours in tenths. Only the buckets a judgement needs are given: all of them
    for one person's page; for a whole unit, those of capped and deeming categories and of
    multi-year nodes."""

    year: int
    records: int = 0
    hours: int = 0
    class_1: int = 0
    class_2: int = 0
    other: int = 0
    hourless: int = 0  # credits of records stating no hours
    buckets: Sequence[Bucket] = ()

    def node_credits(self, nodes: Iterable[str]) -> int:
        wanted = set(nodes)
        return sum(b.credits for b in self.buckets if b.node in wanted)


@dataclass(frozen=True)
class CategoryCap:
    name: str
    yearly_cap: Decimal | None
    cap_group: str
    node: str = ""  # its 各类学分汇总 node (empty: a free form's, by the record's 学分级别)
    deeming: str = ""  # which years its deeming records deem, in words (empty: their activity date's)


@dataclass(frozen=True)
class Requirement:
    """A multi-year requirement, read once from a rule set's JSON."""

    years: int
    min_credits: int
    nodes: tuple[str, ...]
    unit_levels: frozenset[str]
    # True: judged over the years the person has been under it, progress until there are
    # ``years`` of them; False: a rolling window of ``years`` years, failing from the first.
    cycle: bool
    label: str  # the requirement in words (达标标准浏览, the multi-year table)
    message: str  # its shortfall, with %(missing)s left to fill


@dataclass(frozen=True)
class Plan:
    """A rule set as judging uses it, worked out once for any number of people, in the
    summary's units (credits in hundredths, hours in tenths)."""

    key_of: dict[int, str]  # capped category id → cap key
    # 各类学分汇总 node → cap key, for the records of other categories (the free form) that are
    # what a capped category is: a cap applies to what a record is, whichever way it was entered.
    node_key: dict[str, str]
    limits: dict[str, tuple[str, int]]  # cap key → (what it covers, cap)
    deeming: frozenset[int]
    min_credits: int
    min_hours: int
    hourless_hours: int | None  # tenths of an hour per credit a record without hours adds (None: none)
    hours_message: str  # the hours shortfall, saying how records without hours counted
    class_1_floor: int  # the class minima after interchange
    class_2_floor: int
    class_1_max: int | None
    multi_year: tuple[Requirement, ...]


@dataclass(frozen=True)
class Context:
    """What judging needs besides the rule set, read once for any number of people: the
    categories' caps, node names, and the shortfall messages already translated."""

    categories: Mapping[int, CategoryCap]
    node_names: Mapping[str, str]
    messages: Mapping[str, str]
    # The nodes a free-form record can count under: the 学分级别 codes.
    levels: frozenset[str] = frozenset()
    _plans: dict[tuple[int, int | None], Plan] = field(default_factory=dict, compare=False)

    def plan(self, rule_set: RuleSet) -> Plan:
        key = (rule_set.id, rule_set.version.id if rule_set.version else None)
        if key not in self._plans:
            self._plans[key] = self._make_plan(rule_set)
        return self._plans[key]

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
        key_of = {c: _cap_key(c, category) for c, category in self.categories.items() if _cap_key(c, category) in limits}
        # A node whose categories all share one cap carries it (a node shared with an uncapped
        # category, or with another cap, says nothing about what a free-form record is).
        keys_of_node: dict[str, set[str | None]] = {}
        for category_id, category in self.categories.items():
            if category.node in self.levels:
                keys_of_node.setdefault(category.node, set()).add(key_of.get(category_id))
        node_key = {node: next(iter(keys)) for node, keys in keys_of_node.items() if len(keys) == 1 and None not in keys}
        labels = {key: "、".join(members[key]) for key in limits}
        for node, key in node_key.items():
            labels[key] += self.messages["cap_free_form"] % {"node": self.node_names.get(node, node)}
        return Plan(
            key_of=key_of, node_key=node_key,
            limits={key: (labels[key], to_units(cap)) for key, cap in limits.items()},
            deeming=frozenset(rule_set.deeming_categories or ()), min_credits=to_units(rule_set.min_credits),
            min_hours=to_units(rule_set.min_hours, 1),
            hourless_hours=None if rule_set.hourless_hours_per_credit is None
            else to_units(rule_set.hourless_hours_per_credit, 1),
            hours_message=self.messages["hours"] + (
                self.messages["hours_hourless_none"] if rule_set.hourless_hours_per_credit is None
                else self.messages["hours_hourless_rate"] % {"n": hours_text(rule_set.hourless_hours_per_credit)}),
            class_1_floor=to_units(round_credits(rule_set.class_1_min * keep)),
            class_2_floor=to_units(round_credits(rule_set.class_2_min * keep)),
            class_1_max=None if rule_set.class_1_max is None else to_units(rule_set.class_1_max),
            multi_year=tuple(Requirement(
                years=int(r["years"]), min_credits=to_units(r["min_credits"]), nodes=tuple(r["nodes"]),
                unit_levels=frozenset(r.get("unit_levels") or ()), cycle=bool(r.get("cycle", True)),
                label=self.messages["multi_year_label"] % {
                    "what": "、".join(self.node_names.get(n, n) for n in r["nodes"]),
                    "n": credits_text(r["min_credits"]), "years": int(r["years"])},
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


class MultiYearProgress(NamedTuple):
    label: str
    have: Decimal
    need: Decimal
    years_under: int  # years of the cycle the person has been under it, this one included
    years: int  # the cycle's length

    @property
    def judged(self) -> bool:
        """A cycle is judged once it is complete; until then it shows progress."""
        return self.years_under >= self.years

    @property
    def met(self) -> bool:
        return self.have >= self.need


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
    # Hours the rule set credits for records stating none (counted toward its 学时 with ``hours``).
    hours_from_credits: Decimal
    caps: list[CapCut]
    shortfalls: list[Shortfall]
    deemed_by: int | None
    # The multi-year requirements that apply, with the credits the window holds.
    multi_year: list[MultiYearProgress] = field(default_factory=list)
    # 各类学分汇总 node → (credits after caps, hours); filled when asked for (``with_nodes``).
    nodes: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def result(self) -> str:
        """The result in words, as every page, export and form says it: 达标, 不达标, 无适用的达标标准."""
        return {True: _("Compliant"), False: _("Not compliant"), None: _("No compliance standard applies")}[self.compliant]


def fits(rule_set: RuleSet, standing: Standing) -> bool:
    """Whether the rule set's group (title levels, unit grades, tiers and types; empty: any)
    takes a person of this standing."""
    return all(not wanted or have in wanted for wanted, have in (
        (rule_set.title_levels, standing.title_level), (rule_set.unit_levels, standing.grade),
        (rule_set.unit_tiers, standing.tier), (rule_set.unit_types, standing.type)))


def choose(rule_sets: Sequence[RuleSet], year: int, standing: Standing) -> RuleSet | None:
    """The rule set for a person's year, by their standing that year: valid that year, fitting
    their group, highest priority, then the narrowest group."""
    fitting = [r for r in rule_sets
               if r.enabled and r.valid_from <= year and (r.valid_to is None or year <= r.valid_to) and fits(r, standing)]
    return min(fitting, key=lambda r: (-r.priority, -_group_size(r), r.id), default=None)


def _group_size(rule_set: RuleSet) -> int:
    return sum(len(getattr(rule_set, name) or ()) for name in ("title_levels", "unit_levels", "unit_tiers", "unit_types"))


def judge(figures: Figures, rule_set: RuleSet | None, context: Context, history: History | None = None,
          earlier: Mapping[int, Figures] | None = None, with_nodes: bool = False) -> Verdict:
    """A person's year under ``rule_set``. ``history`` gives their standing in each year (None:
    the same in every year); ``earlier`` holds the previous years the rule set's multi-year
    requirements look back on."""
    plan = context.plan(rule_set) if rule_set else None
    class_1, class_2, other = figures.class_1, figures.class_2, figures.other
    caps, node_cut = [], {}
    if plan is not None and (plan.key_of or plan.node_key):
        caps, class_cut, node_cut = _apply_caps(figures, plan)
        class_1 -= class_cut.get("I", 0)
        class_2 -= class_cut.get("II", 0)
        other -= class_cut.get("other", 0)
    class_1_max = plan.class_1_max if plan else None
    excess = max(class_1 - class_1_max, 0) if class_1_max is not None else 0
    counted = class_1 + class_2 + other - excess
    verdict = Verdict(
        year=figures.year, rule_set=rule_set, compliant=None, records=figures.records,
        entered=_credits(figures.class_1 + figures.class_2 + figures.other),
        credits=_credits(counted), hours=to_decimal(figures.hours, 1),
        class_1=_credits(class_1), class_2=_credits(class_2), other=_credits(other),
        class_1_excess=_credits(excess), caps=caps, shortfalls=[], deemed_by=None,
        hours_from_credits=to_decimal(_hours_from_credits(figures, plan), 1),
    )
    if with_nodes:
        nodes: dict[str, list[int]] = {}
        for bucket in figures.buckets:
            node = nodes.setdefault(bucket.node, [0, 0])
            node[0] += bucket.credits
            node[1] += bucket.hours
        for node, cut in node_cut.items():
            nodes[node][0] -= cut
        verdict.nodes = {node: (_credits(c), to_decimal(h, 1)) for node, (c, h) in nodes.items()}
    if plan is None:
        return verdict
    if plan.deeming:
        deeming = [b.deeming_record_id for b in figures.buckets
                   if b.deeming_record_id is not None and b.category_id in plan.deeming]
        if deeming:
            verdict.deemed_by, verdict.compliant = min(deeming), True
            return verdict
    shortfalls = verdict.shortfalls
    for requirement, have, need, places in (("total", counted, plan.min_credits, 2),
                                            ("hours", figures.hours + _hours_from_credits(figures, plan),
                                             plan.min_hours, 1),
                                            ("class_1", class_1 - excess, plan.class_1_floor, 2),
                                            ("class_2", class_2, plan.class_2_floor, 2)):
        if have < need:
            message = plan.hours_message if requirement == "hours" else context.messages[requirement]
            shortfalls.append(_shortfall(requirement, to_decimal(need - have, places), message))
    for requirement in plan.multi_year:
        if not _in_group(requirement, history, figures.year):
            continue
        # A cycle: the years of the window the person was under the requirement (this one
        # always); a rolling window: all of them.
        years = [figures.year] + [year for year in range(figures.year - requirement.years + 1, figures.year)
                                  if not requirement.cycle or _under(requirement, history, year)]
        have = sum(f.node_credits(requirement.nodes) for f in
                   [figures] + [earlier[year] for year in years[1:] if earlier and year in earlier])
        progress = MultiYearProgress(requirement.label, _credits(have), _credits(requirement.min_credits),
                                     len(years) if requirement.cycle else requirement.years, requirement.years)
        verdict.multi_year.append(progress)
        if have < requirement.min_credits and progress.judged:
            shortfalls.append(_shortfall("multi_year", _credits(requirement.min_credits - have), requirement.message))
    verdict.compliant = not shortfalls
    return verdict


def _hours_from_credits(figures: Figures, plan: Plan | None) -> int:
    """Tenths of an hour the rule set credits for the year's records stating no hours."""
    if plan is None or not plan.hourless_hours:
        return 0
    return figures.hourless * plan.hourless_hours // 100


def _in_group(requirement: Requirement, history: History | None, year: int) -> bool:
    """Whether the person's unit in ``year`` is of a grade the requirement names."""
    return not requirement.unit_levels or history is None or history.at(year).grade in requirement.unit_levels


def _under(requirement: Requirement, history: History | None, year: int) -> bool:
    """Whether an earlier year counts toward the person's cycle: known to the portal by then
    (the first year of their history) and in the requirement's group."""
    return (history is None or year >= history.since) and _in_group(requirement, history, year)


def _shortfall(requirement: str, missing: Decimal, message: str) -> Shortfall:
    shown = hours_text(missing) if requirement == "hours" else credits_text(missing)
    return Shortfall(requirement, missing, message % {"missing": shown})


def _apply_caps(figures: Figures, plan: Plan) -> tuple[list[CapCut], dict[str, int], dict[str, int]]:
    """The caps that cut this year, and how much they cut from each class and each node."""
    key_of, node_key, limits = plan.key_of, plan.node_key, plan.limits
    capped: dict[str, list[Bucket]] = {}
    for bucket in figures.buckets:
        key = key_of.get(bucket.category_id) or node_key.get(bucket.node)
        if key is not None:
            capped.setdefault(key, []).append(bucket)
    cuts: list[CapCut] = []
    class_cut: dict[str, int] = {}
    node_cut: dict[str, int] = {}
    for key, buckets in capped.items():
        label, cap = limits[key]
        entered = sum(b.credits for b in buckets)
        over = entered - cap
        if over <= 0:
            continue
        cuts.append(CapCut(label=label, entered=_credits(entered), cap=_credits(cap), counted=_credits(cap)))
        for bucket in sorted(buckets, key=lambda b: (_CUT_ORDER.get(b.credit_class, 0), b.node, b.category_id)):
            cut = min(over, bucket.credits)
            over -= cut
            class_cut[bucket.credit_class] = class_cut.get(bucket.credit_class, 0) + cut
            node_cut[bucket.node] = node_cut.get(bucket.node, 0) + cut
    return cuts, class_cut, node_cut


def describe(rule_set: RuleSet, context: Context) -> list[str]:
    """The rule set in plain words, a sentence per requirement (达标标准浏览)."""
    lines = [_("At least %(n)s credits a year.", n=credits_text(rule_set.min_credits))]
    if rule_set.min_hours:
        lines.append(_("At least %(n)s hours (学时) a year.", n=hours_text(rule_set.min_hours)) + " " + hours_reading(rule_set))
    if rule_set.class_1_min or rule_set.class_1_max is not None:
        line = _("Class I credits: at least %(n)s.", n=credits_text(rule_set.class_1_min))
        if rule_set.class_1_max is not None:
            line += " " + _("At most %(n)s Class I credits count.", n=credits_text(rule_set.class_1_max))
        lines.append(line)
    if rule_set.class_2_min:
        lines.append(_("Class II credits: at least %(n)s.", n=credits_text(rule_set.class_2_min)))
    if rule_set.interchange_percent and (rule_set.class_1_min or rule_set.class_2_min):
        keep = Decimal(100 - rule_set.interchange_percent) / 100
        lines.append(_("Either class may stand in for up to %(p)d%% of the other's minimum (so at least %(i)s Class I "
                       "and %(ii)s Class II credits).", p=rule_set.interchange_percent,
                       i=credits_text(round_credits(rule_set.class_1_min * keep)),
                       ii=credits_text(round_credits(rule_set.class_2_min * keep))))
    elif rule_set.class_1_min or rule_set.class_2_min:
        lines.append(_("The classes cannot stand in for each other."))
    for _key, (label, cap) in sorted(context.plan(rule_set).limits.items()):
        lines.append(_("%(what)s: at most %(n)s credits count a year.", what=label, n=credits_text(_credits(cap))))
    for requirement in context.plan(rule_set).multi_year:
        line = requirement.label
        if requirement.unit_levels:
            line += " " + _("(staff of %(levels)s units)", levels="、".join(sorted(requirement.unit_levels)))
        if requirement.cycle:
            line += " " + _("Counted over the years a person has been under it; until %(years)d years have passed it "
                            "shows progress, not a failure.", years=requirement.years)
        else:
            line += " " + _("Counted over the last %(years)d years whatever the person's first year.",
                            years=requirement.years)
        lines.append(line)
    deeming = [context.categories[c].name + (f"（{context.categories[c].deeming}）" if context.categories[c].deeming else "")
               for c in rule_set.deeming_categories or () if c in context.categories]
    if deeming:
        lines.append(_("An approved record of one of these deems the year compliant: %(what)s.", what="、".join(deeming)))
    return lines


def hours_reading(rule_set: RuleSet) -> str:
    """How records stating no hours count toward the rule set's 学时, in plain words."""
    if rule_set.hourless_hours_per_credit is None:
        return _("学时 is a requirement of its own: records stating no hours (papers, research, books, 进修) add no "
                 "hours, however many credits they give.")
    return _("学时 is a requirement of its own: a record stating no hours (papers, research, books, 进修) adds "
             "%(n)s hours per credit.", n=hours_text(rule_set.hourless_hours_per_credit))


def as_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict's figures for the API: credits with two decimals, hours with one, as strings."""
    return {
        "year": verdict.year, "compliant": verdict.compliant,
        "rule_set": verdict.rule_set.name if verdict.rule_set else None,
        # The version the year is judged with: {"number", "effective_from"} (None: no rule set).
        "rule_set_version": {"number": verdict.rule_set.version.number,
                             "effective_from": verdict.rule_set.version.effective_from.isoformat()}
        if verdict.rule_set is not None and verdict.rule_set.version is not None else None,
        "totals": {"credits": credits_text(verdict.credits), "hours": hours_text(verdict.hours),
                   "class_1": credits_text(verdict.class_1), "class_2": credits_text(verdict.class_2),
                   "other": credits_text(verdict.other), "entered": credits_text(verdict.entered), "records": verdict.records},
        "caps": [{"covers": c.label, "entered": credits_text(c.entered), "cap": credits_text(c.cap),
                  "counted": credits_text(c.counted)} for c in verdict.caps],
        "shortfalls": [{"requirement": s.requirement,
                        "missing": hours_text(s.missing) if s.requirement == "hours" else credits_text(s.missing),
                        "message": s.message} for s in verdict.shortfalls],
        "deemed_by": verdict.deemed_by,
    }


def messages() -> dict[str, str]:
    """The shortfall messages, translated once for a whole unit's worth of judging."""
    return {
        "total": _("Total credits: %(missing)s short"), "hours": _("Hours: %(missing)s short"),
        "class_1": _("Class I credits: %(missing)s short"), "class_2": _("Class II credits: %(missing)s short"),
        "multi_year": _("%(what)s credits within %(years)d years: %%(missing)s short"),
        "multi_year_label": _("%(what)s: at least %(n)s credits within %(years)d years."),
        "cap_free_form": _("(and free-form records of %(node)s)"),
        "hours_hourless_none": _(" (records stating no hours add none)"),
        "hours_hourless_rate": _(" (records stating no hours add %(n)s hours per credit)"),
    }
