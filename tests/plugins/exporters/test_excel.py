"""The Excel exporter, read back with openpyxl: Chinese headers, typed cells (dates, credits,
hours, integers), the totals row, and text that would be a formula neutralised."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from portal.contracts import Column, Table
from portal_plugins.exporters.excel import ExcelExporter, sheet_name

COLUMNS = (Column("姓名", "text", 10), Column("活动日期", "date", 12), Column("学分", "credits", 8),
           Column("学时", "hours", 8), Column("记录数", "integer", 6), Column("备注", "text", 30))
DANGEROUS = ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx")


def workbook(table: Table, progress=None):
    out = io.BytesIO()
    ExcelExporter().write(table, out, progress)
    out.seek(0)
    return openpyxl.load_workbook(out)


def table(rows, totals=None, title="学分明细") -> Table:
    return Table(title=title, filename="学分明细", columns=COLUMNS, rows=iter(rows), totals=totals)


def test_cells_are_typed_and_headers_chinese():
    rows = [("张三", dt.date(2024, 3, 18), Decimal("1.67"), Decimal("9.5"), 3, "心血管新进展"),
            ("李四", None, Decimal("0.20"), Decimal("0.0"), 0, None)]
    book = workbook(table(rows, totals=("张三", "合计", Decimal("1.87"), Decimal("9.5"), 3, "I类 1.87")))
    sheet = book.active
    assert sheet.title == "学分明细"
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert int(sheet.column_dimensions["F"].width) == 30  # XlsxWriter adds Excel's padding

    name, day, credits, hours, count, remark = sheet[2]
    assert name.value == "张三" and name.data_type == "s"
    assert isinstance(day.value, dt.datetime) and day.value.date() == dt.date(2024, 3, 18)
    assert day.number_format == "yyyy-mm-dd"
    assert credits.value == 1.67 and credits.data_type == "n" and credits.number_format == "0.00"
    assert hours.value == 9.5 and hours.number_format == "0.0"
    assert count.value == 3 and count.data_type == "n"
    assert remark.value == "心血管新进展"
    # None is an empty cell; zero is a number.
    assert sheet["B3"].value is None and sheet["F3"].value is None and sheet["E3"].value == 0

    totals = sheet[4]
    # A label in a date column of the totals row is text.
    assert [c.value for c in totals] == ["张三", "合计", 1.87, 9.5, 3, "I类 1.87"]
    assert totals[1].data_type == "s"
    assert totals[1].font.b and totals[2].font.b and totals[2].number_format == "0.00"
    assert sheet.max_row == 4


def test_text_that_looks_like_a_formula_is_neutralised():
    rows = [("张三", dt.date(2024, 1, 1), Decimal("1"), Decimal("1"), 1, text) for text in DANGEROUS]
    sheet = workbook(table(rows, totals=("=1+1", None, None, None, None, "@x"))).active
    cells = [sheet.cell(row, 6).value for row in range(2, 2 + len(DANGEROUS))]
    assert all(isinstance(c, str) and c.startswith("'") for c in cells)
    # (openpyxl reads the carriage return back as the escape "_x000D_" that XlsxWriter writes.)
    assert cells[:-1] == ["'" + text for text in DANGEROUS[:-1]] and cells[-1] == "'_x000D_x"
    assert sheet["A8"].value == "'=1+1" and sheet["F8"].value == "'@x"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_progress_every_thousand_rows_and_at_the_end():
    calls = []
    rows = (("张三", dt.date(2024, 1, 1), Decimal("0.5"), Decimal("1.5"), i, "") for i in range(2500))
    sheet = workbook(table(rows), calls.append).active
    assert calls == [1000, 2000, 2500]
    assert sheet.max_row == 2501 and sheet["E2501"].value == 2499


def test_sheet_names_follow_excel_rules():
    assert sheet_name("2024/2025 [学分]: 明细*?") == "2024 2025  学分   明细"
    assert len(sheet_name("很长的标题" * 10)) == 31
    assert sheet_name("'引号'") == "引号"
    assert sheet_name("[]:*?/\\") == "Sheet1"
    book = workbook(table([], title="达标情况/2024:全省"))
    assert book.active.title == "达标情况 2024 全省" and book.active.max_row == 1
