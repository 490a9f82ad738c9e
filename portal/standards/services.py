"""Rule sets as people read them (years and group in words, the plain-language sentences, the
browse page's periods, the API's JSON), saving and enabling one, and the rule sets that compete
with one."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.compliance.rules import Context, describe
from portal.contracts import credits_text, hours_text
from portal.extensions import db
from portal.models import RuleSet

OPEN_END = 9999


@dataclass(frozen=True)
class Shown:
    rule_set: RuleSet
    years: str
    group: str
    lines: list[str]


def newest_first(rule_sets: Iterable[RuleSet]) -> list[RuleSet]:
    """Latest period first; within a period, as ``choose`` ranks them (priority, then id)."""
    return sorted(rule_sets, key=lambda r: (-r.valid_from, -(r.valid_to or OPEN_END), -r.priority, r.id))


def everything() -> list[RuleSet]:
    return newest_first(db.session.scalars(select(RuleSet)))


def years_words(rule_set: RuleSet) -> str:
    if rule_set.valid_to is None:
        return _("%(year)d onwards", year=rule_set.valid_from)
    if rule_set.valid_to == rule_set.valid_from:
        return _("In %(year)d", year=rule_set.valid_from)
    return _("%(first)d–%(last)d", first=rule_set.valid_from, last=rule_set.valid_to)


def group_words(rule_set: RuleSet) -> str:
    parts = []
    if rule_set.title_levels:
        parts.append(_("Title level: %(levels)s", levels="、".join(rule_set.title_levels)))
    if rule_set.unit_levels:
        parts.append(_("Unit level: %(levels)s", levels="、".join(rule_set.unit_levels)))
    if rule_set.unit_tiers:
        parts.append(_("Unit tier: %(tiers)s", tiers="、".join(rule_set.unit_tiers)))
    if rule_set.unit_types:
        parts.append(_("Unit type: %(types)s", types="、".join(rule_set.unit_types)))
    return "; ".join(parts) or _("Everyone")


def present(rule_sets: Iterable[RuleSet], context: Context) -> list[Shown]:
    return [Shown(r, years_words(r), group_words(r), describe(r, context)) for r in rule_sets]


def periods(shown: list[Shown]) -> list[tuple[str, list[Shown]]]:
    """Rule sets (already newest first) grouped by their validity period."""
    return [(items[0].years, items) for items in
            (list(group) for _, group in groupby(shown, key=lambda s: (s.rule_set.valid_from, s.rule_set.valid_to)))]


def as_json(rule_set: RuleSet, context: Context) -> dict[str, Any]:
    """A rule set for the API: credits with two decimals and hours with one, as strings."""
    return {
        "id": rule_set.id, "name": rule_set.name, "description": rule_set.description,
        "valid_from": rule_set.valid_from, "valid_to": rule_set.valid_to, "years": years_words(rule_set),
        "title_levels": rule_set.title_levels, "unit_levels": rule_set.unit_levels,
        "unit_tiers": rule_set.unit_tiers, "unit_types": rule_set.unit_types, "group": group_words(rule_set),
        "priority": rule_set.priority,
        "min_credits": credits_text(rule_set.min_credits), "min_hours": hours_text(rule_set.min_hours),
        "hourless_hours_per_credit": None if rule_set.hourless_hours_per_credit is None
        else hours_text(rule_set.hourless_hours_per_credit),
        "class_1_min": credits_text(rule_set.class_1_min),
        "class_1_max": None if rule_set.class_1_max is None else credits_text(rule_set.class_1_max),
        "class_2_min": credits_text(rule_set.class_2_min), "interchange_percent": rule_set.interchange_percent,
        "caps": rule_set.caps, "multi_year": rule_set.multi_year, "deeming_categories": rule_set.deeming_categories,
        "enabled": rule_set.enabled, "description_lines": describe(rule_set, context),
    }


def get(rule_set_id: int) -> RuleSet:
    return db.get_or_404(RuleSet, rule_set_id)


def set_enabled(rule_set: RuleSet, enabled: bool) -> None:
    rule_set.enabled = enabled
    db.session.commit()


def save(rule_set: RuleSet, values: dict[str, Any]) -> None:
    """Every value at once, in one commit."""
    for name, value in values.items():
        setattr(rule_set, name, value)
    db.session.add(rule_set)
    db.session.commit()


# The lists a rule set's group is made of (empty: any).
GROUPS = ("title_levels", "unit_levels", "unit_tiers", "unit_types")


def _meet(first: list[str], second: list[str]) -> bool:
    return not first or not second or bool(set(first) & set(second))


def _breadth(rule_set: RuleSet) -> int:
    return sum(len(getattr(rule_set, name) or ()) for name in GROUPS)


def competing(candidate: RuleSet) -> list[str]:
    """Warnings about enabled rule sets with the candidate's priority whose years and group
    overlap it: where both fit a person's year, ``choose`` decides by the number of levels
    listed, or else by id (an unsaved candidate comes last)."""
    if not candidate.enabled:
        return []
    others = db.session.scalars(select(RuleSet).where(RuleSet.enabled.is_(True), RuleSet.priority == candidate.priority))
    warnings = []
    for other in others:
        if other.id == candidate.id or not (
                candidate.valid_from <= (other.valid_to or OPEN_END) and other.valid_from <= (candidate.valid_to or OPEN_END)
                and all(_meet(getattr(candidate, name), getattr(other, name)) for name in GROUPS)):
            continue
        if _breadth(candidate) != _breadth(other):
            winner = candidate if _breadth(candidate) > _breadth(other) else other
            warnings.append(_("“%(other)s” has the same priority and overlaps in years and group; where both fit, "
                              "“%(winner)s” applies because it lists more title and unit levels. Set different "
                              "priorities to decide explicitly.", other=other.name, winner=winner.name))
        else:
            winner = other if candidate.id is None or other.id < candidate.id else candidate
            warnings.append(_("“%(other)s” has the same priority and overlaps in years and group; where both fit, "
                              "“%(winner)s” applies only because it was created first. Set different priorities "
                              "to decide explicitly.", other=other.name, winner=winner.name))
    return warnings
