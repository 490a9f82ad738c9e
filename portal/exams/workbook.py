"""The question bank's Excel template and its reading: the first sheet, one question a row
(题型, 题干, 选项A–F, 正确答案), every row checked before anything is saved; a bad row names its
row number and nothing is imported."""
from __future__ import annotations

import io
import string
from typing import Any, BinaryIO

import xlsxwriter
from flask_babel import gettext as _
from openpyxl import load_workbook

from portal.exams.services import MAX_OPTIONS, read_question
from portal.models.exams import JUDGE, MULTIPLE, SINGLE
from portal.people.importing import cell_text

MAX_ROWS = 2000
LETTERS = string.ascii_uppercase[:MAX_OPTIONS]
HEADERS = ["题型", "题干", *(f"选项{letter}" for letter in LETTERS), "正确答案"]
KINDS = {"单选": SINGLE, "单选题": SINGLE, "多选": MULTIPLE, "多选题": MULTIPLE, "判断": JUDGE, "判断题": JUDGE}
TRUE, FALSE = {"正确", "对", "是", "A", "√"}, {"错误", "错", "否", "B", "×"}
EXAMPLES = [
    ["单选题", "成人心肺复苏时胸外按压的频率是", "60～80 次/分", "80～100 次/分", "100～120 次/分", "120～140 次/分", "", "",
     "C"],
    ["多选题", "下列属于高血压靶器官损害的有", "左心室肥厚", "蛋白尿", "颈动脉内膜增厚", "近视", "", "", "ABC"],
    ["判断题", "阿司匹林可用于急性心肌梗死的早期治疗", "", "", "", "", "", "", "正确"],
]


class ImportInvalid(ValueError):
    """The workbook cannot be imported; the message names the first bad row or what is missing."""


def template() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("题库")
    header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    text = book.add_format({"num_format": "@", "text_wrap": True})
    sheet.write_row(0, 0, HEADERS, header)
    for n, row in enumerate(EXAMPLES, start=1):
        sheet.write_row(n, 0, row, text)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 40, text)
    sheet.set_column(2, 1 + MAX_OPTIONS, 18, text)
    sheet.set_column(2 + MAX_OPTIONS, 2 + MAX_OPTIONS, 10, text)
    sheet.data_validation(1, 0, MAX_ROWS, 0, {"validate": "list", "source": ["单选题", "多选题", "判断题"]})
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def read(stream: BinaryIO) -> list[dict[str, Any]]:
    """Every question of the workbook, checked; ImportInvalid names the first bad row."""
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportInvalid(_("The file is not an Excel workbook (.xlsx). Download the template and fill it in.")) from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    if [cell_text(h) for h in next(rows, ())][:len(HEADERS)] != HEADERS:
        raise ImportInvalid(_("The first row must hold the template's headers: %(names)s.", names="、".join(HEADERS)))
    found = []
    for number, values in enumerate(rows, start=2):
        cells = [cell_text(v) for v in (values or ())][:len(HEADERS)]
        cells += [""] * (len(HEADERS) - len(cells))
        if not any(cells):
            continue
        if len(found) >= MAX_ROWS:
            raise ImportInvalid(_("At most %(n)d questions can be imported at once.", n=MAX_ROWS))
        fields, problems = read_question(_question(cells), _("Row %(n)d: ", n=number))
        if fields is None:
            raise ImportInvalid(problems[0])
        found.append(fields)
    book.close()
    if not found:
        raise ImportInvalid(_("The workbook holds no questions."))
    return found


def _question(cells: list[str]) -> dict[str, Any]:
    kind = KINDS.get(cells[0], cells[0])
    answer = cells[-1].upper().replace(" ", "").replace(",", "").replace("，", "")
    if kind == JUDGE:
        correct = [0] if cells[-1] in TRUE else [1] if cells[-1] in FALSE else []
        return {"type": kind, "stem": cells[1], "correct": correct}
    options = cells[2:2 + MAX_OPTIONS]
    given = [n for n, text in enumerate(options) if text]
    if given != list(range(len(given))):  # a gap (A, C given) would shift the letters
        return {"type": kind, "stem": cells[1], "options": options, "correct": [-1]}
    correct = [LETTERS.index(letter) if letter in LETTERS else -1 for letter in answer] or [-1]
    return {"type": kind, "stem": cells[1], "options": options[:len(given)], "correct": correct}
