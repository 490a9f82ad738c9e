"""Runs the bench on SQLite (always) and on PostgreSQL (when PORTAL_BENCH_DATABASE_URL names a
server: a fresh database is created there and dropped afterwards), then prints one Markdown
table. Each page is timed around ``client.get`` in-process: median of 20 requests after 2
warm-ups, the portal's page and its baselines taking turns so all see the same conditions.
The credit pages have two baselines: FAB's stock list (the budget) and the bare SQL the page
needs (reported, in a row of its own). Issue 4's cases are in bench/compliance.py: the
learner's credit query and compliance answer beside their bare SQL, the unit compliance of
5,000 staff beside one hand-written GROUP BY, and (on SQLite only: it does not touch the
database) an Excel export of 100,000 rows beside XlsxWriter alone, with its peak memory. Issue 5's
are in bench/certificates.py: one certificate's PDF and the verification page, and (SQLite
only) a batch of 100 certificates beside WeasyPrint rendering the same HTML alone. Issue 15's
staff import of 5,000 rows is in bench/imports.py, its provincial dashboard with five years' trend
in bench/areas.py with issue 12's tallies job that computes it (``PORTAL_BENCH_CASES=areas`` runs
that case alone). Issue 19's are in bench/credentials.py: signing a
certificate's Open Badges 3.0 credential and verifying one, each beside PyJWT alone
(`python -m bench.credentials` runs only those, on a small province). Issue 10's check-in throughput
and the projector's code endpoint are in bench/attendance.py (``python -m bench.attendance`` runs them alone).
Issue 17's cost of server-side sessions (in the database and in Redis) on the learner's list, beside a
signed-cookie session, is in bench/sessions.py. PORTAL_BENCH_CASES runs only the groups it lists
(comma-separated: people, credits, served, compliance, certificates, import, sessions, areas, and
the three on databases of their own: attendance, exams, faces); every case is a row of the one table;
Issue 11's exam autosaves are in bench/exams.py (``python -m bench.exams``), its face descriptor per photo
and its peak memory in bench/faces.py (``python -m bench.faces``).
PORTAL_BENCH_PEOPLE, PORTAL_BENCH_UNITS and PORTAL_BENCH_CREDIT_UNITS (units whose learners
have 200 credit records each, 40 a year over five years) change the scale (for a quick try)."""
from __future__ import annotations

import gc
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, Select, select

from bench import areas, attendance, bare, certificates, compliance, credentials, exams, faces, imports, served, sessions
from bench.app import login, make_app
from bench.data import PASSWORD, PROVINCE_ADMIN_USERNAME, SEARCH_CHARACTER, Province, add_credit_records, populate
from bench.table import Row, table
from portal.compliance import summaries
from portal.extensions import db
from portal.models import Certificate
from portal.setup import prepare_database
from tests.helpers import scratch_database

PEOPLE = 50_000
UNITS = 500
CREDIT_UNITS = 50    # 5,000 learners with 200 records each: 1,000,000 records
WARM_UP = 2
REPEAT = 20
PEOPLE_BUDGET = 1.2
CREDITS_BUDGET = 1.0
UNIT_COMPLIANCE_BUDGET = 2.0
EXPORT_BUDGET = 1.3
EXPORT_PEAK_MB = 150
CERTIFICATE_BUDGET = 1.2
SERVED_BUDGET = 0.5    # the learner's list serves at least twice the stock list's requests a second
SESSIONS_BUDGET = 1.10
GROUPS = ("people", "credits", "served", "compliance", "certificates", "import", "sessions", "areas")
STANDALONE = {  # groups on small databases (or in a process) of their own, not the province's
    "attendance": attendance.rows,  # issue 10: check-ins under gunicorn
    "exams": exams.rows,            # issue 11: exam autosaves under gunicorn
    "faces": faces.rows,            # issue 11: the face model's cost per photo and its memory
}
BARE_SQL = "bare SQL (page + count), SQLAlchemy Core"

OURS_COUNT = re.compile(r'<p class="record-count">[^<]*?(\d+)')
STOCK_COUNT = re.compile(r"(?:Record Count|记录数目?):</strong>\s*(\d+)")


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


def compare(*timers: Callable[[], float], repeat: int = REPEAT, rotate: bool = False) -> list[float]:
    """Medians of each timer, taking turns; with ``rotate``, each round starts with the next
    timer, so that none always runs right after the same other (for differences of a few percent)."""
    samples: list[list[float]] = [[] for _ in timers]
    for n in range(WARM_UP + repeat):
        for i in range(len(timers)):
            turn = (i + n) % len(timers) if rotate else i
            elapsed = timers[turn]()
            if n >= WARM_UP:
                samples[turn].append(elapsed)
    return [statistics.median(sample) for sample in samples]


def check_count(client, url: str, pattern: re.Pattern, expected: int) -> None:
    """The page really is filtered: the record count it shows is the expected one."""
    html = client.get(url).get_data(as_text=True)
    match = pattern.search(html)
    assert match, f"{url}: no record count on the page"
    assert int(match.group(1)) == expected, f"{url}: shows {match.group(1)} records, expected {expected}"


def check_sql(engine: Engine, page: Select, count: Select, expected: int) -> None:
    with engine.connect() as conn:
        assert conn.execute(count).scalar_one() == expected, f"bare SQL: count is not {expected}"
        assert len(conn.execute(page).all()) == min(expected, bare.PAGE_SIZE), "bare SQL: not a full page"


def run(database_url: str, instance: Path, scale: str, people: int, units: int, credit_units: int,
        with_export: bool, groups: tuple[str, ...] = GROUPS) -> list[Row]:
    log(f"[{scale}] migrating and syncing roles")
    app = make_app(database_url, instance)
    prepare_database(app)
    started = time.perf_counter()
    province: Province = populate(app, people, units, credit_units)
    log(f"[{scale}] {people:,} people in {units} units inserted in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    credits = add_credit_records(app, province)
    log(f"[{scale}] {credits.records:,} credit records inserted in {time.perf_counter() - started:.1f} s")
    written, seconds = compliance.build_summaries(app)
    log(f"[{scale}] yearly summary built set-based: {written:,} person-years in {seconds:.1f} s")
    # What building the data left in this process is kept out of the garbage collector's sight,
    # as in a gunicorn worker forked from a pre-loaded master (gunicorn.conf.py): otherwise
    # every timed request pays for walking a million rows' worth of objects it never made.
    gc.collect()
    gc.freeze()
    with app.app_context():
        engine = db.engine
    rows = []
    try:
        unit_admin, province_admin, learner = app.test_client(), app.test_client(), app.test_client()
        login(unit_admin, province.unit_admin_username, PASSWORD)
        login(province_admin, PROVINCE_ADMIN_USERNAME, PASSWORD)
        login(learner, province.learner_username, PASSWORD)
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
        for case, client, ours, baseline, baseline_url, expected in cases if "people" in groups else ():
            check_count(client, ours, OURS_COUNT, expected)
            check_count(client, baseline_url, STOCK_COUNT, expected)
            ours_ms, baseline_ms = compare(timer(client, ours), timer(client, baseline_url))
            log(f"[{scale}] {case}: {ours_ms:.1f} ms vs {baseline_ms:.1f} ms ({expected} records)")
            rows.append(Row(case, label, ours_ms, baseline, baseline_ms, PEOPLE_BUDGET))

        label = f"{credits.records:,} credit records of {credits.learners:,} learners, {scale}"
        cases = [
            # Every year, as the stock list and the bare SQL show them (the page's default is this year).
            ("learner's 录入学分查询管理 `GET /credits/mine?year=all`", learner, "/credits/mine?year=all",
             "FAB ModelView list, base filters person = learner, status ≠ deleted", "/stockmycredits/list/",
             bare.my_credits(province.learner_person_id), credits.learner_visible, credits.learner_visible),
            # The queue's years are last year and this; the stock list shows every year's.
            ("unit admin's review queue `GET /review/` (last year and this)", unit_admin, "/review/",
             "FAB ModelView list, base filters unit = admin's unit, status = submitted (all years)",
             "/stockreview/list/", bare.review_queue(province.admin_unit_id), credits.admin_unit_queue,
             credits.admin_unit_waiting),
        ]
        for case, client, ours, baseline, baseline_url, (page, count), expected, stock in cases if "credits" in groups else ():
            check_count(client, ours, OURS_COUNT, expected)
            check_count(client, baseline_url, STOCK_COUNT, stock)
            check_sql(engine, page, count, stock)
            ours_ms, baseline_ms, sql_ms = compare(timer(client, ours), timer(client, baseline_url),
                                                   bare.sql_timer(engine, page, count))
            log(f"[{scale}] {case}: {ours_ms:.1f} ms vs {baseline_ms:.1f} ms, bare SQL {sql_ms:.1f} ms "
                f"({expected} records)")
            rows.append(Row(case, label, ours_ms, baseline, baseline_ms, CREDITS_BUDGET))
            rows.append(Row(case, label, ours_ms, BARE_SQL, sql_ms, None))
        if "served" in groups:
            rows.append(served_row(database_url, instance, province, label, scale))
        if "compliance" in groups:
            rows += compliance_rows(app, engine, learner, province, label, scale, with_export)
        if "certificates" in groups:
            rows += certificate_rows(app, engine, learner, province, scale, with_batch=with_export)
        if "import" in groups:
            rows.append(import_row(app, province, scale))
        if "sessions" in groups:
            rows += session_rows(database_url, instance, province, credits.learner_visible, label, scale)
        if "areas" in groups:
            rows += area_rows(app, province_admin, province, scale)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return rows


def served_row(database_url: str, instance: Path, province: Province, label: str, scale: str) -> Row:
    """Issue 18's case: requests a second per worker under gunicorn, the learner's list beside the
    stock list, as one worker's milliseconds per request (so the budget reads as the other rows)."""
    ours_rate, stock_rate = served.compare_throughput(database_url, instance, province.learner_username, PASSWORD,
                                                      "/credits/mine?year=all", "/stockmycredits/list/")
    per_worker = [rate / served.WORKERS for rate in (ours_rate, stock_rate)]
    case = (f"learner's 录入学分查询管理 under gunicorn (shipped config, {served.WORKERS} sync workers on one core): "
            f"{per_worker[0]:.1f} vs {per_worker[1]:.1f} requests/s per worker, "
            f"{ours_rate / stock_rate:.2f}× (budget ≥ 2×)")
    log(f"[{scale}] {case}")
    return Row(case, label, 1000 / per_worker[0], "FAB ModelView list under the same server", 1000 / per_worker[1],
               SERVED_BUDGET)


def session_rows(database_url: str, instance: Path, province: Province, visible: int, label: str,
                 scale: str) -> list[Row]:
    """Issue 17's case: the learner's list with server-side sessions (database, Redis) beside the
    same page with a signed-cookie session, the three taking turns."""
    served_by = sessions.apps(database_url, instance)
    clients = {}
    for kind, app in served_by.items():
        clients[kind] = app.test_client()
        login(clients[kind], province.learner_username, PASSWORD)
        check_count(clients[kind], "/credits/mine?year=all", OURS_COUNT, visible)
    # The three apps were made after the data (see run): out of the collector's sight as well.
    gc.collect()
    gc.freeze()
    database_ms, redis_ms, cookie_ms = compare(
        *(timer(clients[k], "/credits/mine?year=all") for k in ("database", "redis", "cookie")),
        repeat=sessions.REPEAT, rotate=True)
    found = []
    for kind, ms in (("database", database_ms), ("Redis", redis_ms)):
        case = f"learner's 录入学分查询管理 `GET /credits/mine?year=all`, server-side sessions in {kind}"
        log(f"[{scale}] {case}: {ms:.2f} ms vs signed cookie {cookie_ms:.2f} ms")
        found.append(Row(case, label, ms, "the same page, signed-cookie session only", cookie_ms, SESSIONS_BUDGET))
    for app in served_by.values():
        with app.app_context():
            db.session.remove()
    return found


def compliance_rows(app, engine: Engine, learner, province: Province, label: str, scale: str,
                    with_export: bool) -> list[Row]:
    """Issue 4's cases: the learner's 学分情况查询 and 达标情况查询, the unit compliance of every
    credit unit's staff (5,000 people), and (once) the Excel export of 100,000 rows."""
    first, last = summaries.year_range(compliance.YEAR)
    person_id = province.learner_person_id
    found = []
    with engine.connect() as conn:
        expected = conn.execute(bare.credit_query(person_id, first, last)[1]).all()
    url = f"/credits/query/?from={first}&to={last}"
    check_count(learner, url, OURS_COUNT, sum(n for _, n, _, _ in expected))
    cases = [
        (f"learner's 学分情况查询 `GET {url}`", url, bare.credit_query(person_id, first, last),
         "bare SQL (first page + totals by class), SQLAlchemy Core"),
        (f"learner's 达标情况查询 `GET /compliance/?year={compliance.YEAR}`", f"/compliance/?year={compliance.YEAR}",
         bare.person_year(person_id, first, last), "bare SQL (the year's approved records + sums by category), from the records"),
    ]
    for case, url, (one, two), baseline in cases:
        ours_ms, sql_ms = compare(timer(learner, url), bare.sql_timer(engine, one, two))
        log(f"[{scale}] {case}: {ours_ms:.1f} ms vs bare SQL {sql_ms:.1f} ms")
        found.append(Row(case, label, ours_ms, baseline, sql_ms, None))

    unit_ids = list(province.credit_unit_ids)
    judged = compliance.check_unit_results(app, engine, unit_ids)
    ours_ms, sql_ms = compare(compliance.unit_results_timer(app, unit_ids),
                              bare.sql_timer(engine, bare.unit_totals(unit_ids, first, last)))
    case = f"unit compliance of {judged:,} active staff, {compliance.YEAR} (`services.results`: summary + rules)"
    log(f"[{scale}] {case}: {ours_ms:.1f} ms vs GROUP BY {sql_ms:.1f} ms")
    found.append(Row(case, label, ours_ms, "one hand-written SQL GROUP BY (person, class) over the records",
                     sql_ms, UNIT_COMPLIANCE_BUDGET))

    if with_export:
        export = compliance.export_rows(app)
        ours_ms, alone_ms = compare(compliance.ours_export_timer(export), compliance.xlsxwriter_timer(export),
                                    repeat=compliance.EXPORT_REPEAT)
        peak = compliance.export_peak_mb(export)
        verdict = "ok" if peak < EXPORT_PEAK_MB else "OVER"
        case = (f"Excel export of {len(export):,} rows (ExcelExporter; peak memory {peak:.0f} MB, "
                f"budget < {EXPORT_PEAK_MB} MB {verdict})")
        log(f"[{scale}] {case}: {ours_ms:.0f} ms vs XlsxWriter alone {alone_ms:.0f} ms")
        found.append(Row(case, f"median of {compliance.EXPORT_REPEAT}", ours_ms,
                         "XlsxWriter alone writing the same rows", alone_ms, EXPORT_BUDGET))
    return found


def certificate_rows(app, engine: Engine, learner, province: Province, scale: str, with_batch: bool) -> list[Row]:
    """Issue 5's cases: one certificate's PDF, the public verification page and (once) a batch of
    100 certificates, each beside its baseline; issue 19's signing and verifying of its credential."""
    statements, issued, seconds = certificates.issue_batch(app, province.learner_person_id)
    log(f"[{scale}] {len(issued)} certificates issued in one service call: {seconds * 1000:.0f} ms")
    number, token = issued[0]
    found = []

    case = "one certificate's PDF `GET /certificates/<number>.pdf`"
    ours_ms, alone_ms = compare(timer(learner, f"/certificates/{number}.pdf"), certificates.weasyprint_timer(statements[:1]))
    log(f"[{scale}] {case}: {ours_ms:.1f} ms vs WeasyPrint alone {alone_ms:.1f} ms")
    found.append(Row(case, scale, ours_ms, "WeasyPrint alone rendering the same certificate's HTML", alone_ms, None))

    case = "public verification page `GET /verify/<token>`"
    lookup = select(Certificate.__table__).where(Certificate.__table__.c.token == token)
    ours_ms, sql_ms = compare(timer(app.test_client(), f"/verify/{token}"), bare.sql_timer(engine, lookup))
    log(f"[{scale}] {case}: {ours_ms:.1f} ms vs the token lookup alone {sql_ms:.2f} ms")
    found.append(Row(case, scale, ours_ms, "bare SQL: the certificate by its token", sql_ms, None))

    found += credentials.rows(app, number, scale, compare, Row)

    if with_batch:
        ours_ms, alone_ms = compare(certificates.ours_batch_timer(statements), certificates.weasyprint_timer(statements),
                                    repeat=certificates.BATCH_REPEAT)
        case = f"batch of {len(statements)} certificates in one PDF, ms per page (CertificatePdf)"
        log(f"[{scale}] {case}: {ours_ms:.1f} ms vs WeasyPrint alone {alone_ms:.1f} ms")
        found.append(Row(case, f"median of {certificates.BATCH_REPEAT}", ours_ms,
                         "WeasyPrint alone rendering the same HTML", alone_ms, CERTIFICATE_BUDGET))
    return found


def import_row(app, province: Province, scale: str) -> Row:
    ours_ms = imports.ours_ms(app, province.unit_admin_username, PASSWORD, imports.workbook())
    bare_ms = imports.bare_ms(app, province.admin_unit_id)
    case = (f"import {imports.ROWS:,} staff `POST /api/v1/people/import`: {imports.ROWS / ours_ms * 1000:,.0f} rows/s "
            f"vs {imports.ROWS / bare_ms * 1000:,.0f} bare")
    log(f"[{scale}] {case}: {ours_ms:.0f} ms vs {bare_ms:.0f} ms")
    return Row(case, f"{province.people:,} people, {scale}", ours_ms, "bare bulk insert of the same accounts and people "
               "(SQLAlchemy Core)", bare_ms, None, limit_ms=imports.LIMIT_MS)


def area_rows(app, province_admin, province: Province, scale: str) -> list[Row]:
    """Issue 12's provincial figures: the tallies job for the whole province's five years, timed
    alone, then the dashboard reading them, each beside judging the five years per request."""
    label = f"{province.people:,} people, {scale}"
    job_ms, people = areas.job(app)
    page, five = compare(timer(province_admin, areas.url()), areas.five_years_timer(app), repeat=5)
    log(f"[{scale}] tallies job {areas.TREND[0]}–{areas.TREND[-1]}: {job_ms:.0f} ms for {people:,} people-years; "
        f"provincial dashboard {areas.YEAR} {page:.0f} ms; five years judged {five:.0f} ms")
    baseline = f"`services.results` for each of {areas.TREND[0]}–{areas.TREND[-1]} (five years judged, nothing written)"
    return [Row(f"tallies job, whole province, {areas.TREND[0]}–{areas.TREND[-1]} in full: "
                f"{people / job_ms * 1000:,.0f} people-years/s", label, job_ms, baseline, five, None),
            Row(f"provincial dashboard `GET {areas.url()}` from the tallies", label, page, baseline, five, None,
                limit_ms=areas.PAGE_LIMIT_MS)]


def main() -> None:
    started = time.perf_counter()
    people = int(os.environ.get("PORTAL_BENCH_PEOPLE", PEOPLE))
    units = int(os.environ.get("PORTAL_BENCH_UNITS", UNITS))
    credit_units = int(os.environ.get("PORTAL_BENCH_CREDIT_UNITS", CREDIT_UNITS))
    known = (*GROUPS, *STANDALONE)
    groups = tuple(g.strip() for g in os.environ.get("PORTAL_BENCH_CASES", ",".join(known)).split(",") if g.strip())
    unknown = set(groups) - set(known)
    if unknown:
        raise SystemExit(f"PORTAL_BENCH_CASES: unknown groups {sorted(unknown)}; known: {', '.join(known)}")
    rows = []
    if set(groups) & set(GROUPS):
        with tempfile.TemporaryDirectory(prefix="cme-bench-") as tmp:
            rows += run(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "sqlite", "SQLite", people, units,
                        credit_units, with_export=True, groups=groups)
            server = os.environ.get("PORTAL_BENCH_DATABASE_URL")
            if server:
                with scratch_database(server, "cme_bench") as url:
                    rows += run(url, Path(tmp) / "postgresql", "PostgreSQL", people, units, credit_units,
                                with_export=False, groups=groups)
    for group in groups:
        if group in STANDALONE:
            log(f"[{group}] on a database of its own")
            rows += STANDALONE[group]()
    print(table(rows))
    log(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
