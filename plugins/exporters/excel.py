"""Excel (.xlsx): one worksheet, a bold frozen header row, typed cells (real dates, credits and
hours as numbers), a bold totals row. Rows are written in order with XlsxWriter's
``constant_memory`` mode, so memory stays flat however many rows there are.

Text that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return) is written
as a string behind a single quote."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter
from flask_babel import lazy_gettext as _l

from portal.contracts import Exporter, Table
from portal.hookspecs import hookimpl

PROGRESS_EVERY = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Number formats by column kind (text has none).
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "credits": "0.00", "hours": "0.0", "integer": "0"}
NUMERIC_KINDS = ("credits", "hours", "integer")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str) -> str:
    """``title`` as Excel accepts a worksheet name: at most 31 characters, none of []:*?/\\,
    not starting or ending with an apostrophe, not empty."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", str(title)).strip().strip("'")[:SHEET_NAME_MAX].strip().strip("'")
    return name or "Sheet1"


def safe_text(value: Any) -> str:
    """``value`` as text no spreadsheet evaluates: a leading =, +, -, @, tab or CR gets a quote before it."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class ExcelExporter(Exporter):
    slug = "xlsx"
    label = _l("Excel")
    description = _l("An Excel workbook (.xlsx) with one worksheet.")
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    file_extension = "xlsx"

    def write(self, table: Table, out: BinaryIO, progress: Callable[[int], None] | None = None) -> None:
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
        sheet = workbook.add_worksheet(sheet_name(table.title))
        plain = [workbook.add_format({"num_format": NUMBER_FORMATS[c.kind]}) if c.kind in NUMBER_FORMATS else None
                 for c in table.columns]
        bold = [workbook.add_format({"bold": True, **({"num_format": NUMBER_FORMATS[c.kind]}
                                                      if c.kind in NUMBER_FORMATS else {})})
                for c in table.columns]
        for i, column in enumerate(table.columns):
            sheet.set_column(i, i, column.width)
            sheet.write_string(0, i, str(column.label), bold[i])
        sheet.freeze_panes(1, 0)
        row = 0
        for row, values in enumerate(table.rows, 1):
            self._write_row(sheet, row, table, values, plain)
            if progress is not None and row % PROGRESS_EVERY == 0:
                progress(row)
        if table.totals is not None:
            self._write_row(sheet, row + 1, table, table.totals, bold)
        workbook.close()
        if progress is not None:
            progress(row)

    @staticmethod
    def _write_row(sheet, row: int, table: Table, values, formats) -> None:
        """Dates and numbers typed by their column; anything else (a text column, or a label such
        as 合计 in a totals row) as text."""
        for i, (column, value) in enumerate(zip(table.columns, values, strict=False)):
            if value is None or value == "":
                continue
            if column.kind == "date" and isinstance(value, dt.date):
                sheet.write_datetime(row, i, value, formats[i])
            elif column.kind in NUMERIC_KINDS and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                sheet.write_number(row, i, int(value) if column.kind == "integer" else float(value), formats[i])
            else:
                sheet.write_string(row, i, safe_text(value), formats[i])


@hookimpl
def register_exporters():
    return [ExcelExporter]
