"""Issue 15's figures above unit level: the provincial dashboard (rate, five years' trend, unit
ranking), the first visit after its kept years were forgotten (every year judged) and the usual
visit (kept years read, only an open year judged), beside judging the five years per request as
the unit dashboard did before (five ``services.results`` calls). ``python -m bench.areas`` runs
only this case, at the bench's scale (PORTAL_BENCH_* as for ``python -m bench``), on SQLite."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from flask import Flask

from portal.compliance import services, tallies
from portal.extensions import db

YEAR = 2025      # the bench's records span 2021–2025: every year of the trend is closed
TREND = range(YEAR - 4, YEAR + 1)
COLD_REPEAT = 3


def url(year: int = YEAR) -> str:
    return f"/compliance/province/?year={year}"


def cold_ms(app: Flask, client) -> float:
    """The median first visit after the kept years are forgotten (each year judged and kept)."""
    times = []
    for _ in range(COLD_REPEAT):
        with app.app_context():
            tallies.recount()
            db.session.remove()
        start = time.perf_counter()
        response = client.get(url())
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def five_years_timer(app: Flask) -> Callable[[], float]:
    """Judging the five years of the whole province, as a request would without kept years."""
    def once() -> float:
        with app.test_request_context():
            start = time.perf_counter()
            for year in TREND:
                services.results(year)
            elapsed = (time.perf_counter() - start) * 1000
            db.session.remove()
        return elapsed
    return once
