"""The list rows made in Python (portal/credits/rows.py, portal/certificates/rows.py, portal/review/rows.py): what the
templates wrote, values escaped, the tick box and buttons only where the record offers them."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from portal.certificates.rows import IssueRows
from portal.credits.query import KEYS
from portal.credits.rows import KEYS as MINE_KEYS
from portal.credits.rows import MineRows
from portal.review.rows import KEYS as QUEUE_KEYS
from portal.review.rows import QueueRows

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def _mine(status: str, comment: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=7, activity_date=dt.date(2025, 3, 1), activity_name=HOSTILE, category_name="学术会议",
                           credits=Decimal("2.50"), hours=Decimal("3.0"), status=status, review_comment=comment)


def test_a_draft_row_of_my_records_offers_its_tick_box_and_edit_button(app):
    with app.test_request_context("/"):
        row = str(MineRows({key: key.title() for key in MINE_KEYS}, "勾选", "编辑")(_mine("draft")))
    assert 'name="record_id" value="7" aria-labelledby="tick-label name-7"' in row
    assert 'href="/credits/7/edit">编辑</a>' in row and 'id="name-7" href="/credits/7"' in row
    assert ESCAPED in row and HOSTILE not in row
    assert '<td data-label="Date" class="text-nowrap">2025-03-01</td>' in row and ">2.50<" in row
    assert '<td data-label="Comment">—</td>' in row  # no review comment


def test_an_approved_row_of_my_records_offers_neither_and_escapes_the_comment(app):
    with app.test_request_context("/"):
        row = str(MineRows({key: key for key in MINE_KEYS}, "勾选", "编辑")(_mine("approved", comment=HOSTILE)))
    assert 'type="checkbox"' not in row and "/edit" not in row
    assert f'title="{ESCAPED}"' in row and HOSTILE not in row


def _found(status_code: str, certificate: str | None) -> dict:
    return {"id": 9, "date": dt.date(2025, 5, 2), "number": "", "name": HOSTILE, "activity_type": "", "credit_level": "",
            "discipline": None, "hosting_method": "", "hours": Decimal("1.0"), "credits": Decimal("1.00"),
            "status_code": status_code, "status": "已通过", "comment": None, "unit": "单位", "certificate": certificate}


def test_a_query_row_offers_an_approved_records_tick_box_and_certificate_files(app):
    with app.test_request_context("/"):
        rows = IssueRows(KEYS, {key: key for key in KEYS}, True, "勾选", "电子证书", "下载")
        approved, waiting = str(rows(_found("approved", "2025-AB12-CD34"))), str(rows(_found("submitted", None)))
    assert 'value="9" aria-labelledby="tick-label name-9"' in approved and 'type="checkbox"' not in waiting
    assert 'href="/certificates/2025-AB12-CD34.pdf">PDF</a>' in approved and 'data-credential="2025-AB12-CD34"' in approved
    assert 'certificate-files">—</td>' in waiting
    assert ESCAPED in approved and HOSTILE not in approved and 'id="name-9" href="/credits/9"' in approved


def test_without_links_a_query_row_names_the_activity_in_a_span(app):
    with app.test_request_context("/"):
        row = str(IssueRows(KEYS, {key: key for key in KEYS}, False, "勾选", "电子证书", "下载")(_found("approved", None)))
    assert f'<span id="name-9">{ESCAPED}</span>' in row and "/credits/9" not in row


def _waiting(entered_by: str | None) -> SimpleNamespace:
    return SimpleNamespace(id=11, version=3, activity_date=dt.date(2025, 6, 1), activity_name=HOSTILE, credits=Decimal("2.5"),
                           hours=Decimal("3"), person_name="王五", unit_name="某医院", category_name="学术会议",
                           entered_by_name=entered_by, evidence_count=2)


def test_a_queue_row_carries_the_version_seen_the_proxy_label_and_a_possible_duplicate(app):
    labels = {key: key for key in QUEUE_KEYS}
    with app.test_request_context("/"):
        unit_admin = str(QueueRows(labels, False, {11: 5})(_waiting(HOSTILE)))
        province = str(QueueRows(labels, True, {})(_waiting(None)))
    assert 'value="11" aria-labelledby="tick-label name-11"' in unit_admin
    assert '<input type="hidden" name="version-11" value="3">' in unit_admin
    assert 'class="label label-info proxy-entry">' in unit_admin and ESCAPED in unit_admin and HOSTILE not in unit_admin
    assert 'class="label label-warning duplicate-of" href="/credits/5">' in unit_admin
    assert 'data-label="unit"' not in unit_admin and '<td data-label="unit">某医院</td>' in province
    assert "proxy-entry" not in province and "duplicate-of" not in province
    assert '<td data-label="credits">2.50</td><td data-label="hours">3.0</td>' in province
