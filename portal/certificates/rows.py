"""The rows of 导出学分证书's table (``issue_form`` in certificates/macros.html), each made in one
call. Written by the template, a row of fourteen cells (the tick box, the cells, the activity's
link and status label, the certificate's files) went through some three hundred calls of
Jinja's runtime and escaping: fifty rows were half of 学分情况查询's work. The markup is the
template's; the values are escaped here."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from portal.row_urls import row_url
from portal.table_cells import RowCells, row_name, tick_cell

NOWRAP = ("date", "credits", "hours", "status")


class IssueRows:
    """``rows(r)`` is the ``<tr>`` of the record ``r`` (a row of portal.credits.query.rows) in a
    table of ``keys`` headed by ``labels``; ``link``: its activity name links to its page; ``tick``,
    ``electronic`` and ``download`` are the tick box's, the files column's and the credential
    link's words. Templates call it ``issue_rows``."""

    def __init__(self, keys: Iterable[str], labels: Mapping[str, str], link: bool, tick: str, electronic: str,
                 download: str):
        self.cells = RowCells(keys, labels, nowrap=NOWRAP)
        self.detail_url = row_url("CreditEntryView.detail", "record_id") if link else None
        self.tick = tick
        self.files_opening = Markup('<td data-label="{}" class="text-nowrap certificate-files">').format(electronic)
        self.download = escape(download)

    def __call__(self, r: Mapping[str, Any]) -> Markup:
        record_id = int(r["id"])
        tick = tick_cell(self.tick, record_id, r["status_code"] == "approved")
        name = row_name(record_id, r["name"], self.detail_url(record_id) if self.detail_url else None)
        status = f'<span class="label status-{escape(r["status_code"])}">{escape(r["status"])}</span>'
        return Markup(f'<tr data-record="{record_id}">\n      {tick}\n      '
                      f'{self.cells(r, name=Markup(name), status=Markup(status))}\n      '
                      f'{self.files_opening}{self._files(r["certificate"])}</td>\n    </tr>\n')

    def _files(self, number: str | None) -> str:
        if not number:
            return "—"
        pdf, credential = url_for("CertificateView.one", number=number), url_for("CredentialFileView.download", number=number)
        return (f'<a href="{escape(pdf)}">PDF</a>\n        · <a href="{escape(credential)}" '
                f'data-credential="{escape(number)}">{self.download}</a>')
