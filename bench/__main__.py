"""Runs the bench on SQLite (always) and on PostgreSQL (when PORTAL_BENCH_DATABASE_URL names a
server: a fresh database is created there and dropped afterwards), then prints one Markdown
table. Each page is timed around ``client.get`` in-process: median of 20 requests after 2
warm-ups, the portal's page and its baseline taking turns so both see the same conditions.
PORTAL_BENCH_PEOPLE and PORTAL_BENCH_UNITS change the scale (for a quick try)."""
from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from bench.app import login, make_app
from bench.data import PASSWORD, PROVINCE_ADMIN_USERNAME, SEARCH_CHARACTER, Province, populate
from portal.setup import prepare_database
from tests.helpers import scratch_database

PEOPLE = 50_000
UNITS = 500
WARM_UP = 2
REPEAT = 20
BUDGET = 1.2

OURS_COUNT = re.compile(r'<p class="record-count">[^<]*?(\d+)')
STOCK_COUNT = re.compile(r"(?:Record Count|记录数目):</strong>\s*(\d+)")


@dataclass
class Row:
    case: str
    scale: str
    ours_ms: float
    baseline: str
    baseline_ms: float


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timer(client, url: str) -> Callable[[], float]:
    """A function timing one GET of ``url`` in milliseconds (and checking it answered 200)."""
    def once() -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return elapsed
    return once


def compare(client, ours: str, baseline: str) -> tuple[float, float]:
    """Medians of ours and the baseline, requests alternating between the two."""
    timers = timer(client, ours), timer(client, baseline)
    samples: tuple[list[float], list[float]] = ([], [])
    for n in range(WARM_UP + REPEAT):
        for time_one, sample in zip(timers, samples):
            elapsed = time_one()
            if n >= WARM_UP:
                sample.append(elapsed)
    return statistics.median(samples[0]), statistics.median(samples[1])


def check_count(client, url: str, pattern: re.Pattern, expected: int) -> None:
    """The page really is filtered: the record count it shows is the expected one."""
    html = client.get(url).get_data(as_text=True)
    match = pattern.search(html)
    assert match, f"{url}: no record count on the page"
    assert int(match.group(1)) == expected, f"{url}: shows {match.group(1)} records, expected {expected}"


def run(database_url: str, instance: Path, scale: str, people: int, units: int) -> list[Row]:
    log(f"[{scale}] migrating and syncing roles")
    app = make_app(database_url, instance)
    prepare_database(app)
    started = time.perf_counter()
    province: Province = populate(app, people, units)
    log(f"[{scale}] {people:,} people in {units} units inserted in {time.perf_counter() - started:.1f} s")
    rows = []
    try:
        unit_admin, province_admin = app.test_client(), app.test_client()
        login(unit_admin, province.unit_admin_username, PASSWORD)
        login(province_admin, PROVINCE_ADMIN_USERNAME, PASSWORD)
        label = f"{people:,} people / {units} units, {scale}"
        q = quote(SEARCH_CHARACTER)

        cases = [
            ("unit admin's staff list `GET /people/`", unit_admin, "/people/",
             "FAB ModelView list, base filter unit = admin's unit", "/stockstaff/list/",
             province.admin_unit_staff),
            (f"provincial search `GET /people/?q={SEARCH_CHARACTER}`", province_admin, f"/people/?q={q}",
             f"FAB ModelView list, `_flt_2_name={SEARCH_CHARACTER}`", f"/stockpeople/list/?_flt_2_name={q}",
             province.name_matches),
        ]
        for case, client, ours, baseline, baseline_url, expected in cases:
            check_count(client, ours, OURS_COUNT, expected)
            check_count(client, baseline_url, STOCK_COUNT, expected)
            ours_ms, baseline_ms = compare(client, ours, baseline_url)
            log(f"[{scale}] {case}: {ours_ms:.1f} ms vs {baseline_ms:.1f} ms ({expected} records)")
            rows.append(Row(case, label, ours_ms, baseline, baseline_ms))
    finally:
        with app.app_context():
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| case | scale | ours ms | baseline | baseline ms | ratio | budget |",
             "| --- | --- | ---: | --- | ---: | ---: | --- |"]
    for r in rows:
        ratio = r.ours_ms / r.baseline_ms
        verdict = "ok" if ratio <= BUDGET else "OVER"
        lines.append(f"| {r.case} | {r.scale} | {r.ours_ms:.1f} | {r.baseline} | {r.baseline_ms:.1f} "
                     f"| {ratio:.2f}× | ≤ {BUDGET}× {verdict} |")
    return "\n".join(lines)


def main() -> None:
    started = time.perf_counter()
    people = int(os.environ.get("PORTAL_BENCH_PEOPLE", PEOPLE))
    units = int(os.environ.get("PORTAL_BENCH_UNITS", UNITS))
    rows = []
    with tempfile.TemporaryDirectory(prefix="cme-bench-") as tmp:
        rows += run(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "sqlite", "SQLite", people, units)
        server = os.environ.get("PORTAL_BENCH_DATABASE_URL")
        if server:
            with scratch_database(server, "cme_bench") as url:
                rows += run(url, Path(tmp) / "postgresql", "PostgreSQL", people, units)
    print(table(rows))
    log(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
