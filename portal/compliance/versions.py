"""Which version of each rule set judges a year (docs/rules.md, "Versions"): a closed year that has
been pinned (judged_year) is judged with its pinned versions; any other year with the versions in
force on its last day — for each enabled rule set, its latest version effective by then. Judging
works on copies of the rule sets that stand for one version (``RuleSet.version`` set), never on the
rows the editor changes."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.compliance.summaries import year_range
from portal.extensions import db
from portal.models import JudgedYear, RuleSet, RuleSetVersion
from portal.models.standards import DECIMALS, SETS, VERSIONED
from portal.request_memo import kept

_PLACES = {"min_hours": 1, "hourless_hours_per_credit": 1}


def snapshot(rule_set: RuleSet) -> dict[str, Any]:
    """The fields a version freezes, as JSON (credits with two decimals, hours with one, the
    group's lists and the deeming categories sorted)."""
    rules = {}
    for name in VERSIONED:
        value = getattr(rule_set, name)
        if name in DECIMALS and value is not None:
            value = f"{Decimal(str(value)):.{_PLACES.get(name, 2)}f}"
        elif name in SETS:
            value = sorted(value or ())  # a choice, not an order: ticking the same boxes changes nothing
        rules[name] = value
    return rules


def thaw(row: RuleSet, version: RuleSetVersion, enabled: bool = True) -> RuleSet:
    """A copy of ``row`` (never added to the session) with ``version``'s text."""
    rules = {name: Decimal(value) if name in DECIMALS and value is not None else value
             for name, value in version.rules.items() if name in VERSIONED}
    copy = RuleSet(id=row.id, name=row.name, enabled=enabled, **rules)
    copy.version = version
    return copy


def effective_year(version: RuleSetVersion) -> int:
    """The first credit year the version judges (the year its effective date falls in)."""
    return version.effective_from.year


@dataclass
class Versions:
    """Every rule set, its versions and the pinned years, read once (three small queries) for
    any number of years."""

    rows: dict[int, RuleSet]
    by_rule_set: dict[int, list[RuleSetVersion]]  # by number
    pins: dict[int, JudgedYear]
    _copies: dict[tuple[int, bool], RuleSet]

    def copy(self, version: RuleSetVersion, enabled: bool = True) -> RuleSet:
        key = (version.id, enabled)
        if key not in self._copies:
            self._copies[key] = thaw(self.rows[version.rule_set_id], version, enabled)
        return self._copies[key]

    def by_id(self) -> dict[int, RuleSetVersion]:
        return {v.id: v for versions in self.by_rule_set.values() for v in versions}

    def in_force_version(self, rule_set_id: int, year: int) -> RuleSetVersion | None:
        """The rule set's newest version (highest number) effective by the last day of ``year``: a
        newer version replaces older ones from its date on, even one dated later (the editor
        showed it that one's text)."""
        last = year_range(year)[1]
        return max((v for v in self.by_rule_set.get(rule_set_id, ()) if v.effective_from <= last),
                   key=lambda v: v.number, default=None)

    def in_force(self, year: int) -> list[RuleSet]:
        """The enabled rule sets valid in ``year``, as the versions in force on its last day."""
        found = []
        for row in self.rows.values():
            version = self.in_force_version(row.id, year) if row.enabled else None
            if version is not None and version.rules["valid_from"] <= year <= (version.rules["valid_to"] or year):
                found.append(self.copy(version))
        return found

    def pinned(self, year: int) -> list[RuleSet] | None:
        """The versions a pinned year is judged with (None: the year is not pinned)."""
        pin = self.pins.get(year)
        if pin is None:
            return None
        versions = self.by_id()
        return [self.copy(versions[i]) for i in pin.version_ids if i in versions]

    def judging(self, year: int) -> list[RuleSet]:
        pinned = self.pinned(year)
        return pinned if pinned is not None else self.in_force(year)

    def shown(self, year: int) -> list[RuleSet]:
        """Every enabled rule set for 达标标准浏览: as the version judging ``year`` where one does,
        else as its newest version."""
        judging = {r.id: r for r in self.judging(year)}
        return [judging.get(row.id) or self.copy(self.by_rule_set[row.id][-1]) for row in self.rows.values()
                if (row.enabled or row.id in judging) and self.by_rule_set.get(row.id)]

    def history(self, rule_set_id: int) -> list[RuleSetVersion]:
        return self.by_rule_set.get(rule_set_id, [])


def load() -> Versions:
    """The rule sets as the session's rows (the editor changes them)."""
    return _versions(db.session.scalars(select(RuleSet).order_by(RuleSet.id)),
                     db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.number)),
                     db.session.scalars(select(JudgedYear)))


@kept
def for_judging() -> Versions:
    """The rule sets as judging reads them: kept in the process across requests while the reference
    stamp stands (any change to the rule sets, their versions or the pinned years moves it), as
    copies outside any session, which no commit expires. Judging only reads them."""
    def copies(model):
        return [model(**row._mapping) for row in db.session.execute(select(*model.__table__.c))]

    return _versions(sorted(copies(RuleSet), key=lambda r: r.id),
                     sorted(copies(RuleSetVersion), key=lambda v: v.number), copies(JudgedYear))


def _versions(rows: Iterable[RuleSet], versions: Iterable[RuleSetVersion], pins: Iterable[JudgedYear]) -> Versions:
    by_rule_set: dict[int, list[RuleSetVersion]] = defaultdict(list)
    for version in versions:
        by_rule_set[version.rule_set_id].append(version)
    return Versions({r.id: r for r in rows}, dict(by_rule_set), {p.year: p for p in pins}, {})


def closed(year: int, today: dt.date | None = None) -> bool:
    """Whether the credit year has ended."""
    return year_range(year)[1] < (today or dt.date.today())


def version_words(rule_set: RuleSet | None) -> str:
    """The version a verdict was judged with, as the verdict pages name it."""
    if rule_set is None or rule_set.version is None:
        return ""
    return _("Judged by “%(name)s”, version %(n)d (from %(date)s)", name=rule_set.name, n=rule_set.version.number,
             date=rule_set.version.effective_from.isoformat())


def version_name(rule_set: RuleSet | None) -> str:
    """The rule set with its version, as documents cite it (依据)."""
    if rule_set is None:
        return ""
    if rule_set.version is None:
        return rule_set.name
    return _("%(name)s (version %(n)d, from %(date)s)", name=rule_set.name, n=rule_set.version.number,
             date=rule_set.version.effective_from.isoformat())
