"""Rule sets as people read them (years and group in words, the plain-language sentences, the
browse page's periods, the API's JSON), saving and enabling one, and the rule sets that compete
with one."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby, zip_longest
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.compliance import services as compliance
from portal.compliance import versions
from portal.compliance.rules import Context, describe
from portal.compliance.summaries import year_range
from portal.contracts import credits_text, hours_text
from portal.extensions import db
from portal.models import JudgedYear, RuleSet, RuleSetVersion, clock
from portal.models.tallies import mark_years

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
        "versions": [{"number": v.number, "effective_from": v.effective_from.isoformat()}
                     for v in db.session.scalars(select(RuleSetVersion).where(RuleSetVersion.rule_set_id == rule_set.id)
                                                 .order_by(RuleSetVersion.number))],
    }


def get(rule_set_id: int) -> RuleSet:
    return db.get_or_404(RuleSet, rule_set_id)


def next_year_start(today: dt.date | None = None) -> dt.date:
    """The default date a new version takes effect: the first day of the next credit year."""
    return year_range((today or dt.date.today()).year + 1)[0]


def pin_closed_years(today: dt.date | None = None) -> None:
    """Before the rule sets change: every closed year not pinned yet keeps the versions it is
    judged with now (past verdicts never change by an edit)."""
    judging = versions.load()
    starts = [v.rules["valid_from"] for history in judging.by_rule_set.values() for v in history]
    last = (today or dt.date.today()).year - 1
    for year in range(min(starts, default=last + 1), last + 1):
        if year not in judging.pins and versions.closed(year, today):
            db.session.add(JudgedYear(year=year, version_ids=[r.version.id for r in judging.in_force(year)],
                                      judged_at=clock.now(), judged_by=None))


def set_enabled(rule_set: RuleSet, enabled: bool, actor: Actor) -> None:
    pin_closed_years()
    rule_set.enabled = enabled
    mark_years(clock.now().year)  # closed years were just pinned: only open ones change
    audit.write(audit.RULE_SET_CHANGE, None, actor, None,
                after={"name": rule_set.name, "change": "enable" if enabled else "disable"})
    db.session.commit()


def save(rule_set: RuleSet, values: dict[str, Any], actor: Actor, effective_from: dt.date | None = None) -> RuleSetVersion | None:
    """Every value at once, in one commit. Changed rules become a new version effective from
    ``effective_from`` (a new rule set's first version: from the first day of its first year;
    an edit's by default: from the next credit year); closed years are pinned first, so their
    verdicts keep the version they were judged with. None when no rule changed (a rename)."""
    pin_closed_years()
    new = rule_set.id is None
    before = None if new else versions.snapshot(rule_set)
    for name, value in values.items():
        setattr(rule_set, name, value)
    db.session.add(rule_set)
    db.session.flush()
    after = versions.snapshot(rule_set)
    version = None
    if after != before:
        number = 1 + (db.session.scalar(select(func.max(RuleSetVersion.number))
                                        .where(RuleSetVersion.rule_set_id == rule_set.id)) or 0)
        if effective_from is None:
            effective_from = year_range(rule_set.valid_from)[0] if new else next_year_start()
        version = RuleSetVersion(rule_set_id=rule_set.id, number=number, effective_from=effective_from, rules=after,
                                 created_at=clock.now(), created_by=actor.user.id)
        db.session.add(version)
        mark_years(clock.now().year)  # closed years were just pinned: only open ones change
    audit.write(audit.RULE_SET_CHANGE, None, actor, None, after={
        "name": rule_set.name, "change": "add" if new else "edit", "version": version.number if version else None,
        "effective_from": version.effective_from.isoformat() if version else None})
    db.session.commit()
    return version


def saved_words(version: RuleSetVersion | None) -> str:
    """What saving did, for the flash message."""
    if version is None:
        return _("Rule set saved. No rule changed, so no new version was made.")
    text = _("Rule set saved as version %(n)d, effective from %(date)s: credit years from %(year)d on are judged "
             "with it.", n=version.number, date=version.effective_from.isoformat(), year=versions.effective_year(version))
    if versions.closed(versions.effective_year(version)):
        text += " " + _("Closed years keep the version they were judged with until the province re-judges them "
                        "(Years and versions).")
    return text


@dataclass(frozen=True)
class VersionShown:
    version: RuleSetVersion
    rule_set: RuleSet  # the copy standing for this version
    lines: list[str]
    changes: list[tuple[str, str]]  # (removed sentence, added sentence); either may be empty


def history(rule_set: RuleSet, context: Context) -> list[VersionShown]:
    """The rule set's versions, newest first, each in words with what changed from the one before."""
    judging = versions.load()
    shown, previous = [], None
    for version in judging.history(rule_set.id):
        copy = judging.copy(version)
        lines = [years_words(copy), group_words(copy), _("Priority %(n)d", n=copy.priority), *describe(copy, context)]
        changes = []
        if previous is not None:
            removed = [line for line in previous if line not in lines]
            added = [line for line in lines if line not in previous]
            changes = list(zip_longest(removed, added, fillvalue=""))
        shown.append(VersionShown(version, copy, lines, changes))
        previous = lines
    return shown[::-1]


@dataclass(frozen=True)
class Rejudging:
    """What re-judging a closed year would do: the versions it is judged with and those in force
    on its last day, and how many people's verdict would change."""

    year: int
    pinned: list[RuleSet]
    in_force: list[RuleSet]
    people: int
    changed: int

    @property
    def differs(self) -> bool:
        return _ids(self.pinned) != _ids(self.in_force)


def _ids(rule_sets: Iterable[RuleSet]) -> list[int]:
    return sorted(r.version.id for r in rule_sets)


def pinned_years() -> list[tuple[int, list[RuleSet], bool]]:
    """Each pinned year, newest first, with its versions and whether other versions are in force."""
    judging = versions.load()
    return [(year, judging.pinned(year) or [], _ids(judging.pinned(year) or []) != _ids(judging.in_force(year)))
            for year in sorted(judging.pins, reverse=True)]


def rejudging(year: int) -> Rejudging:
    """The dry run: everyone's year judged both ways (two province-wide judgements)."""
    judging = versions.load()
    pinned = judging.pinned(year)
    if pinned is None:
        raise NotPinned(year)
    in_force = judging.in_force(year)
    before = {a.person_id: a.verdict.compliant for a in compliance.results(year, sets=pinned)}
    after = {a.person_id: a.verdict.compliant for a in compliance.results(year, sets=in_force)}
    changed = sum(1 for person_id, verdict in after.items() if before.get(person_id) != verdict)
    return Rejudging(year, pinned, in_force, len(after), changed)


class NotPinned(Exception):
    """Only a closed year judged with pinned versions can be re-judged."""


class CountMoved(Exception):
    """The number of verdicts re-judging changes is not the one the admin confirmed."""

    def __init__(self, found: Rejudging):
        super().__init__(found.changed)
        self.found = found


def rejudge(year: int, actor: Actor, confirmed: int | None = None) -> Rejudging:
    """Judge the closed year with the versions in force on its last day from now on (audited,
    naming how many people's verdict changed); its kept dashboard figures are recomputed. With
    ``confirmed`` (the count the admin saw), nothing happens unless the count is still that."""
    found = rejudging(year)
    if confirmed is not None and confirmed != found.changed:
        raise CountMoved(found)
    if not found.differs:
        return found
    pin = db.session.get(JudgedYear, year)
    pin.version_ids, pin.judged_at, pin.judged_by = _ids(found.in_force), clock.now(), actor.user.id
    mark_years(year)
    audit.write(audit.YEAR_REJUDGE, None, actor, None, after={
        "year": year, "changed": found.changed, "people": found.people,
        "versions": [f"{r.name} #{r.version.number}" for r in found.in_force if r.version.id not in _ids(found.pinned)]})
    db.session.commit()
    return found


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
