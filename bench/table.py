"""The bench's one Markdown table: every case, in-process or served, is a Row of it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    case: str
    scale: str
    ours_ms: float
    baseline: str
    baseline_ms: float
    budget: float | None   # None: the ratio is reported only
    limit_ms: float | None = None   # a budget on our time itself, not on the ratio


def throughput_rows(case: str, label: str, ours: tuple[float, float], login: tuple[float, float],
                    per_second: float, p95_ms: float) -> list[Row]:
    """A served case's (requests/s, p95 ms) beside the login page's from the same server and run,
    as two rows: one core's milliseconds per request (so the budget of ``per_second`` reads as
    a time) and the 95th percentile latency."""
    (rate, p95), (login_rate, login_p95) = ours, login
    baseline = "login page `GET /login/`, same server and run"
    return [Row(f"{case}: one core's ms per request ({rate:.0f}/s; login page {login_rate:.0f}/s)", label, 1000 / rate,
                baseline, 1000 / login_rate, None, 1000 / per_second),
            Row(f"{case}: p95 latency under that load", label, p95, baseline, login_p95, None, p95_ms)]


def table(rows: list[Row]) -> str:
    lines = ["| case | scale | ours ms | baseline | baseline ms | ratio | budget |",
             "| --- | --- | ---: | --- | ---: | ---: | --- |"]
    for r in rows:
        ratio = r.ours_ms / r.baseline_ms if r.baseline_ms else None
        if r.limit_ms is not None:
            budget = f"≤ {r.limit_ms:,.1f} ms {'ok' if r.ours_ms <= r.limit_ms else 'OVER'}"
        elif r.budget is None:
            budget = "— (reported)"
        else:
            budget = f"≤ {r.budget}× {'ok' if ratio <= r.budget else 'OVER'}"
        shown = "—" if ratio is None else f"{ratio:.2f}×"
        baseline_ms = "—" if not r.baseline_ms else f"{r.baseline_ms:.1f}"
        lines.append(f"| {r.case} | {r.scale} | {r.ours_ms:.1f} | {r.baseline} | {baseline_ms} | {shown} | {budget} |")
    return "\n".join(lines)
