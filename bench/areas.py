"""Issue 12's provincial figures: the tallies job judging the whole province's five years (in
chunks, written to unit_year_tally and person_year_verdict), timed alone with its people-years
per second, and the provincial dashboard (rate, five years' trend, unit ranking) reading what it
wrote, beside judging the five years per request as the dashboard once did (five
``services.results`` calls). ``PORTAL_BENCH_CASES=areas`` runs only this case, at the bench's scale
(PORTAL_BENCH_* as for ``python -m bench``), on SQLite."""
from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from portal.compliance import services, tallies
from portal.extensions import db

YEAR = 2025      # the bench's records span 2021–2025
TREND = range(YEAR - 4, YEAR + 1)
# The budget for the dashboard page read from tallies.
PAGE_LIMIT_MS = 300


def url(year: int = YEAR) -> str:
    return f"/compliance/province/?year={year}"


def job(app: Flask) -> tuple[float, int]:
    """A full run of the tallies job for the five years: (ms, people-years judged)."""
    with app.app_context():
        start = time.perf_counter()
        done = tallies.run(list(TREND), full=True)
        elapsed = (time.perf_counter() - start) * 1000
        db.session.remove()
    assert [r.year for r in done] == list(TREND), done
    return elapsed, sum(r.people for r in done)


def five_years_timer(app: Flask) -> Callable[[], float]:
    """Judging the five years of the whole province, as a request would without tallies."""
    def once() -> float:
        with app.test_request_context():
            start = time.perf_counter()
            for year in TREND:
                services.results(year)
            elapsed = (time.perf_counter() - start) * 1000
            db.session.remove()
        return elapsed
    return once
