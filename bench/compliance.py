"""The bench cases of issue 4: one learner's credit query and compliance answer, a unit
compliance over 5,000 staff beside one hand-written GROUP BY, and an Excel export of 100,000
rows beside XlsxWriter alone (with the export's peak memory, measured in a child process)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import xlsxwriter
from flask import Flask
from sqlalchemy import Engine, select

from bench import bare
from bench.data import after_load
from portal.compliance import services, summaries
from portal.contracts import Column, Table
from portal.extensions import db
from portal.models import CreditRecord
from portal_plugins.exporters.excel import ExcelExporter

YEAR = 2025
EXPORT_ROWS = 100_000
EXPORT_REPEAT = 5
COLUMNS = (Column("日期", "date"), Column("项目编号", "text"), Column("活动名称", "text", 36), Column("学分级别", "text"),
           Column("学时", "hours"), Column("学分", "credits"), Column("审核状态", "text"), Column("审核意见", "text"))


def build_summaries(app: Flask) -> tuple[int, float]:
    """The bench loads records with bulk inserts, past the approval that writes the summary: build
    it set-based, as ``portal compliance rebuild`` does. Returns (rows, seconds)."""
    with app.app_context():
        started = time.perf_counter()
        written = summaries.rebuild()
        db.session.commit()
        seconds = time.perf_counter() - started
        after_load("ANALYZE credit_year, credit_year_bucket")
        return written, seconds


def unit_results_timer(app: Flask, unit_ids: list[int]) -> Callable[[], float]:
    def once() -> float:
        with app.test_request_context():
            start = time.perf_counter()
            services.results(YEAR, unit_ids)
            elapsed = (time.perf_counter() - start) * 1000
            db.session.remove()
        return elapsed
    return once


def check_unit_results(app: Flask, engine: Engine, unit_ids: list[int]) -> int:
    """Both sides give the same totals for every person; returns how many people were judged."""
    first, last = summaries.year_range(YEAR)
    expected: dict[int, Decimal] = {}
    with engine.connect() as conn:
        for person_id, _cls, credits, _hours in conn.execute(bare.unit_totals(unit_ids, first, last)):
            expected[person_id] = expected.get(person_id, Decimal(0)) + credits
    with app.test_request_context():
        answers = services.results(YEAR, unit_ids)
        got = {a.person_id: a.verdict.entered for a in answers if a.verdict.records}
        db.session.remove()
    assert got == expected, "unit compliance and the hand-written GROUP BY disagree"
    return len(answers)


def export_rows(app: Flask) -> list[tuple]:
    """100,000 records as an export's rows, read once so both sides write the same values."""
    with app.app_context():
        stmt = (select(CreditRecord.activity_date, CreditRecord.activity_number, CreditRecord.activity_name,
                       CreditRecord.credit_level, CreditRecord.hours, CreditRecord.credits, CreditRecord.status,
                       CreditRecord.review_comment).order_by(CreditRecord.id).limit(EXPORT_ROWS))
        rows = [tuple(r) for r in db.session.execute(stmt)]
        db.session.remove()
    assert len(rows) == EXPORT_ROWS, f"only {len(rows)} records to export"
    return rows


def ours_export_timer(rows: list[tuple]) -> Callable[[], float]:
    def once() -> float:
        start = time.perf_counter()
        ExcelExporter().write(Table(title="学分情况查询", filename="bench", columns=COLUMNS, rows=iter(rows)), io.BytesIO())
        return (time.perf_counter() - start) * 1000
    return once


def xlsxwriter_timer(rows: list[tuple]) -> Callable[[], float]:
    """XlsxWriter alone: the same rows, header and formats, typed cells, nothing else."""
    def once() -> float:
        start = time.perf_counter()
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
        sheet = workbook.add_worksheet("学分情况查询")
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        hours_format, credits_format = workbook.add_format({"num_format": "0.0"}), workbook.add_format({"num_format": "0.00"})
        for i, column in enumerate(COLUMNS):
            sheet.write_string(0, i, column.label)
        for n, (day, number, name, level, hours, credits, status, comment) in enumerate(rows, 1):
            sheet.write_datetime(n, 0, day, date_format)
            sheet.write_string(n, 1, number)
            sheet.write_string(n, 2, name)
            if level:
                sheet.write_string(n, 3, level)
            sheet.write_number(n, 4, float(hours), hours_format)
            sheet.write_number(n, 5, float(credits), credits_format)
            sheet.write_string(n, 6, status)
            if comment:
                sheet.write_string(n, 7, comment)
        workbook.close()
        return (time.perf_counter() - start) * 1000
    return once


def export_peak_mb(rows: list[tuple]) -> float:
    """Peak resident memory (MB) of a fresh Python process that exports the rows with our
    exporter; the rows arrive as JSON lines on stdin and are streamed from there, as rows
    stream from a database cursor."""
    payload = "".join(json.dumps([d.isoformat(), n, a, lv, str(h), str(c), s, cm]) + "\n"
                      for d, n, a, lv, h, c, s, cm in rows)
    result = subprocess.run([sys.executable, "-m", "bench.export_memory"], input=payload, capture_output=True,
                            text=True, check=True)
    return float(result.stdout.strip())
