"""Staff import from Excel (批量导入): the template to fill in, reading an uploaded workbook, checking
every row (the person form's own rules, duplicates in the file and in the province, naming the
unit that holds a duplicate), and creating all the rows or none.

Rows are numbered as Excel numbers them (the header is row 1). A unit admin imports into their
own unit; the provincial admin names each row's unit by its code."""
from __future__ import annotations

import io
import os
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.extensions import db
from portal.models import Unit
from portal.models.people import PERSON_STATUSES, TITLE_LEVELS
from portal.people import services
from portal.people.forms import PersonForm, validator

MAX_ROWS = 10_000
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STASH_SECONDS = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")
# (key, header, width); the unit code only on the provincial admin's template.
COLUMNS = (
    ("unit_code", _l("Unit code"), 14), ("name", _l("Name"), 10), ("id_number", _l("ID number"), 22),
    ("person_no", _l("Staff number"), 16), ("mobile", _l("Mobile"), 14), ("department", _l("Department"), 14),
    ("position", _l("Position"), 12), ("title", _l("Title"), 16), ("title_level", _l("Title level"), 10),
    ("education", _l("Education"), 10), ("degree", _l("Degree"), 10), ("political_status", _l("Political status"), 12),
    ("ethnicity", _l("Ethnicity"), 8), ("email", _l("E-mail"), 22), ("status", _l("Status"), 8),
)
REQUIRED = {"unit_code", "name", "id_number"}
# Typed in Excel as numbers, these would lose digits or leading zeros: the template makes them text.
TEXT = {"unit_code", "id_number", "person_no", "mobile"}
CHOICES = {"title_level": TITLE_LEVELS, "status": PERSON_STATUSES}
# Set by ``read`` on a row whose ID number Excel stored as a number (keeping 15 digits of 18).
NUMERIC_ID = "id_number_as_number"


class ImportUnreadable(ValueError):
    """The upload is not a workbook this import can read; the message says why."""


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def columns(actor: Actor) -> list[tuple[str, Any, int]]:
    return [c for c in COLUMNS if actor.is_province_admin or c[0] != "unit_code"]


def template(actor: Actor) -> bytes:
    """The workbook to fill in: the headers (required ones marked *), text cells where Excel would
    mangle numbers, and drop-down lists of the allowed values (the province's units on a sheet of
    their own)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("Staff"))
    header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    text = book.add_format({"num_format": "@"})
    chosen = columns(actor)
    for n, (key, label, width) in enumerate(chosen):
        sheet.write(0, n, f"{label}*" if key in REQUIRED else str(label), header)
        sheet.set_column(n, n, width, text if key in TEXT else None)
        if key in CHOICES:
            sheet.data_validation(1, n, MAX_ROWS, n, {"validate": "list", "source": list(CHOICES[key])})
    if actor.is_province_admin:
        units = db.session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all()
        listing = book.add_worksheet(_("Units"))
        listing.write_row(0, 0, [_("Unit code"), _("Unit name")], header)
        for n, (code, name) in enumerate(units, start=1):
            listing.write_string(n, 0, code)
            listing.write_string(n, 1, name)
        listing.set_column(0, 0, 14)
        listing.set_column(1, 1, 40)
        sheet.data_validation(1, 0, MAX_ROWS, 0, {"validate": "list", "source": f"='{_('Units')}'!$A$2:$A${len(units) + 1}"})
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def read(stream: BinaryIO, actor: Actor) -> list[tuple[int, dict[str, str]]]:
    """The filled rows of the first sheet as (Excel row number, {key: text}), headers matched by
    their labels (with or without the *)."""
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportUnreadable(_("The file is not an Excel workbook (.xlsx). Download the template and fill it in.")) from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    headers = [str(h or "").strip().rstrip("*") for h in next(rows, ())]
    wanted = {str(label): key for key, label, _width in columns(actor)}
    keys = [wanted.get(h) for h in headers]
    missing = [str(label) for key, label, _width in columns(actor) if key in REQUIRED and key not in keys]
    if missing:
        raise ImportUnreadable(_("The first row must hold the template's headers; missing: %(names)s.",
                                 names="、".join(missing)))
    found = []
    for number, values in enumerate(rows, start=2):
        cells = {key: cell_text(value) for key, value in zip(keys, values, strict=False) if key}
        if any(key == "id_number" and isinstance(value, int | float) for key, value in zip(keys, values, strict=False)):
            cells[NUMERIC_ID] = "1"
        if any(cells.values()):
            found.append((number, cells))
        if len(found) > MAX_ROWS:
            raise ImportUnreadable(_("At most %(n)d rows can be imported at once.", n=MAX_ROWS))
    book.close()
    return found


def check(actor: Actor, rows: list[tuple[int, dict[str, str]]]) -> Checked:
    """Every row through the person form, then the rows against each other and the province."""
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all()) if actor.is_province_admin else {}
    validate = validator(PersonForm, actor.is_province_admin, [(unit_id, code) for code, unit_id in units.items()])
    checked = Checked()
    for number, cells in rows:
        row, problems = _row(actor, number, cells, units, validate)
        checked.problems += problems
        if row is not None:
            checked.rows.append(row)
    checked.problems += _clashes(checked.rows)
    checked.problems.sort(key=lambda p: p.row)
    return checked


def _row(actor: Actor, number: int, cells: dict[str, str], units: dict[str, int],
         validate: Callable[[dict[str, Any]], tuple[PersonForm, bool]]) -> tuple[dict | None, list[Problem]]:
    """The row as the person form reads it, or its problems."""
    label = _labels()
    data = {**cells, "status": cells.get("status") or PERSON_STATUSES[0], "transfer_status": "", "role": "learner"}
    problems, skip = [], set()
    if actor.is_province_admin:
        code = cells.get("unit_code", "")
        data["unit_id"] = units.get(code, "")
        if not data["unit_id"]:
            skip.add("unit_id")
            message = _("No unit has the code %(code)s.", code=code) if code else _("Enter the unit code.")
            problems.append(Problem(number, label["unit_code"], message))
    if cells.get(NUMERIC_ID):
        skip.add("id_number")
        problems.append(Problem(number, label["id_number"], _("Excel stored this ID number as a number and lost its "
                                                              "last digits: format the column as text and type it again.")))
    form, ok = validate(data)
    for name, messages in ({} if ok else form.errors).items():
        if name not in skip:
            problems += [Problem(number, label.get(name, name), str(m)) for m in messages]
    return (None if problems else {**form.data, "row": number}), problems


def _clashes(rows: list[dict[str, Any]]) -> list[Problem]:
    """Rows whose ID number or staff number another row has, or someone in the province."""
    label = _labels()
    by_id, by_staff_no = defaultdict(list), defaultdict(list)
    for row in rows:
        by_id[row["id_number"]].append(row["row"])
        if row["person_no"]:
            by_staff_no[row["person_no"]].append(row["row"])
    held, taken = services.import_conflicts(set(by_id), set(by_staff_no))
    problems = []
    for value, numbers in by_id.items():
        message = (_("A person with this ID number is already staff of %(unit)s.", unit=held[value]) if value in held
                   else _("The same ID number is on rows %(rows)s.", rows="、".join(map(str, numbers))))
        if value in held or len(numbers) > 1:
            problems += [Problem(n, label["id_number"], message) for n in numbers]
    for value, numbers in by_staff_no.items():
        message = (_("This staff number is already in use.") if value in taken
                   else _("The same staff number is on rows %(rows)s.", rows="、".join(map(str, numbers))))
        if value in taken or len(numbers) > 1:
            problems += [Problem(n, label["person_no"], message) for n in numbers]
    return problems


def _labels() -> dict[str, str]:
    return {key: str(label) for key, label, _width in COLUMNS}


def create(actor: Actor, checked: Checked) -> list[dict[str, Any]]:
    """Create every checked row (the caller commits: all or nothing). Returns each new account
    with its initial password, to hand over once."""
    made = services.create_many(actor, checked.rows)
    audit.write(audit.STAFF_IMPORT, None, actor, actor.unit_id, after={"created": len(made)})
    return [{"row": row["row"], "person_id": person.id, "name": person.name, "person_no": person.person_no,
             "username": person.user.username, "initial_password": password}
            for row, (person, password) in zip(checked.rows, made, strict=True)]


def accounts_workbook(accounts: list[dict[str, Any]]) -> bytes:
    """The new accounts and their initial passwords, for the admin to hand over."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("Initial passwords"))
    header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    sheet.write_row(0, 0, [_("Name"), _("Staff number"), _("Username"), _("Initial password")], header)
    for n, a in enumerate(accounts, start=1):
        sheet.write_row(n, 0, [a["name"], a["person_no"], a["username"], a["initial_password"]])
    sheet.set_column(0, 3, 18)
    book.close()
    return out.getvalue()


def cell_text(value: Any) -> str:
    """A workbook cell as the text a person typed: empty for none, 12 rather than 12.0, no spaces around."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def stash(user_id: int, kind: str, data: bytes, token: str | None = None) -> str:
    """Keep ``data`` (an upload awaiting confirmation, a result) for the user who made it, in a
    0600 file of the instance folder; returns the token that names it (``token``, to keep several
    kinds under one). A day-old stash is gone."""
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - STASH_SECONDS:
            old.unlink(missing_ok=True)
    token = token or secrets.token_urlsafe(18)
    path = folder / f"{user_id}-{kind}-{token}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return token


def unstash(user_id: int, kind: str, token: str, keep: bool = False) -> bytes | None:
    """The stash ``token`` of this user (None when it is not theirs, is gone or is too old);
    read once unless ``keep``."""
    if not TOKEN.fullmatch(token or ""):
        return None
    path = _folder() / f"{user_id}-{kind}-{token}"
    try:
        if path.stat().st_mtime < time.time() - STASH_SECONDS:
            path.unlink(missing_ok=True)
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not keep:
        path.unlink(missing_ok=True)
    return data


def stashed(user_id: int, kind: str, token: str) -> bool:
    return bool(TOKEN.fullmatch(token or "")) and (_folder() / f"{user_id}-{kind}-{token}").exists()


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder
