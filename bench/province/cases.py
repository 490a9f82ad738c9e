"""The cases of bench-province, each measured on the province of 1 million records and on the
full one, taking turns (bench.__main__'s ``compare``): the learner's three pages, the biggest
unit's review queue and compliance page, the provincial dashboard, the whole province's
compliance tallied, and the province-wide compliance export (time and peak memory, in a child
process). Each case is two rows of the one table: at 1 M records, and at the full
scale beside it (its growth as the ratio), with the issue's budget."""
from __future__ import annotations

import gc
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from bench import areas
from bench.__main__ import OURS_COUNT, check_count, compare, log, timer
from bench.app import login, make_app
from bench.data import PASSWORD, PROVINCE_ADMIN_USERNAME
from bench.province.generate import Facts, facts
from bench.table import Row
from portal.compliance import summaries, tallies

GROWTH_BUDGET = 1.5        # learner pages and the review queue: at 30 M within 1.5× of 1 M
COMPLIANCE_LIMIT_MS = 50   # a learner's 达标情况查询
DASHBOARD_LIMIT_MS = 300   # the provincial dashboard page, from tallies
TALLIES_LIMIT_MS = 120_000  # the whole province's tallies, on 2 cores
EXPORT_LIMIT_MS = 180_000
EXPORT_PEAK_MB = 300
PROVINCE_REPEAT = 3        # province-wide cases take seconds each: median of 3 after the warm-ups


@dataclass
class Province:
    """A generated province, signed in and ready to be measured."""

    url: str
    instance: Path
    app: Flask
    facts: Facts
    learner: object
    unit_admin: object
    province_admin: object

    @property
    def label(self) -> str:
        f = self.facts
        return f"{f.year_records(f.year):,} records in {f.year} ({f.people:,} people)"


def prepare(url: str, instance: Path) -> Province:
    app = make_app(url, instance)
    found = facts(app)
    learner, unit_admin, province_admin = app.test_client(), app.test_client(), app.test_client()
    login(learner, found.learner_username, PASSWORD)
    login(unit_admin, found.unit_admin_username, PASSWORD)
    login(province_admin, PROVINCE_ADMIN_USERNAME, PASSWORD)
    check_count(learner, "/credits/mine", OURS_COUNT, found.learner_visible)
    check_count(unit_admin, "/review/", OURS_COUNT, found.waiting)
    return Province(url, instance, app, found, learner, unit_admin, province_admin)


def rows(small: Province, full: Province) -> list[Row]:
    # What building the provinces left in this process is kept out of the collector's sight (bench.__main__.run).
    gc.collect()
    gc.freeze()
    year = full.facts.year
    first, last = summaries.year_range(year)
    same = "the same at 1 M records"
    found: list[Row] = []

    def pair(case: str, ms: tuple[float, float], budget: float | None, limit: float | None) -> None:
        log(f"[province] {case}: {ms[0]:.1f} ms at 1 M, {ms[1]:.1f} ms at full scale")
        found.append(Row(case, small.label, ms[0], "—", 0, None, limit))
        found.append(Row(case, full.label, ms[1], same, ms[0], budget, limit))

    pages = [
        ("learner's 录入学分查询管理 `GET /credits/mine`", "learner", "/credits/mine", GROWTH_BUDGET, None),
        (f"learner's 学分情况查询 `GET /credits/query/` ({year})", "learner", f"/credits/query/?from={first}&to={last}",
         GROWTH_BUDGET, None),
        (f"learner's 达标情况查询 `GET /compliance/?year={year}`", "learner", f"/compliance/?year={year}",
         GROWTH_BUDGET, COMPLIANCE_LIMIT_MS),
        ("biggest unit's review queue `GET /review/`", "unit_admin", "/review/", GROWTH_BUDGET, None),
        (f"biggest unit's compliance `GET /compliance/unit/?year={year}`", "unit_admin", f"/compliance/unit/?year={year}",
         None, None),
    ]
    for case, who, url, budget, limit in pages:
        ms = compare(timer(getattr(small, who), url), timer(getattr(full, who), url), rotate=True)
        pair(case, ms, budget, limit)
        if budget and limit:   # both budgets of the issue: the growth on a row of its own
            found.append(Row(case, full.label, ms[1], same, ms[0], budget))

    # The job first: the dashboard reads what it stored.
    ms = tuple(_tallied_ms(p, year) for p in (small, full))
    pair(f"the whole province's compliance tallied per unit and person, {year} "
         "(`tallies.run`, full, in a process of its own)", ms, None,
         TALLIES_LIMIT_MS)
    # The dashboard's trend reads the four years before as well: tallied first (untimed), as the
    # nightly run leaves them, or the first visit would start judging them in this very process
    # (no RQ here) and the page would be timed beside that work.
    with small.app.app_context():
        earlier = [y for y in tallies.default_years() if y != year]
    for province in (small, full):
        _child("tally", province, ",".join(map(str, earlier)))
    ms = compare(timer(small.province_admin, areas.url(year)), timer(full.province_admin, areas.url(year)),
                 repeat=PROVINCE_REPEAT)
    pair(f"provincial dashboard `GET {areas.url(year)}`, from the tallies", ms, None, DASHBOARD_LIMIT_MS)

    for kind, what in (("failing", "province-wide 未达标人员 from the tallies"),
                       ("all", "province-wide compliance of every staff member, judged")):
        exported = [_export(p, year, kind) for p in (small, full)]
        for (ms, peak, count), province, baseline in zip(exported, (small, full), (None, exported[0]), strict=True):
            verdict = "ok" if peak < EXPORT_PEAK_MB else "OVER"
            case = (f"{what}, {year}: {count:,} rows (export job, Excel; peak memory {peak:.0f} MB, "
                    f"budget < {EXPORT_PEAK_MB} MB {verdict})")
            log(f"[province] {case}: {ms / 1000:.1f} s")
            found.append(Row(case, province.label, ms, same if baseline else "—", baseline[0] if baseline else 0, None,
                             EXPORT_LIMIT_MS))
    return found


def _tallied_ms(province: Province, year: int) -> float:
    """One full run of the tallies job for the year, in a child process as a worker runs it (ms)."""
    seconds, people = _child("tally", province, year)
    assert int(people) > 0, "nobody tallied"
    return float(seconds) * 1000


def _export(province: Province, year: int, kind: str) -> tuple[float, float, int]:
    """(ms, peak MB, rows) of the export job run in a child process."""
    seconds, peak, count = _child("export", province, year, kind)
    return float(seconds) * 1000, float(peak), int(count)


def _child(module: str, province: Province, year: int | str, *args: str) -> list[str]:
    """The figures a child process of bench/province (``bench.province.<module>``) printed on its
    last line, run on ``province`` for ``year``."""
    result = subprocess.run([sys.executable, "-m", f"bench.province.{module}", province.url, str(province.instance),
                             str(year), *args], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()[-1].split()
