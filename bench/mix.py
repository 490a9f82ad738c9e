"""The deadline-day mix's pages as a browser asks for them and fills them in, shared by the load
test (bench/locustfile.py) and the instruction count (bench/instructions.py): their addresses,
named as `make load` reports them, a page's hidden fields (the CSRF token, the entry form's
one-time token, the versions of the records shown) and the entry form as the learners fill it."""
from __future__ import annotations

import re

PAGES = {
    "learner: 录入学分查询管理": "/credits/mine?year={year}",
    "learner: 学分情况查询": "/credits/query/?from={year}-01-01&to={year}-12-31",
    "learner: 达标情况查询": "/compliance/?year={year}",
    "learner: home": "/",
    "learner: entry form": "/credits/new/free",
    "learner: save and submit": "/credits/new/free",
    "admin: review queue": "/review/",
    "admin: approve 20": "/review/decide",
    "public: verify certificate": "/verify/{token}",
}
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')
QUEUE_ROW = re.compile(r'name="record_id" value="(\d+)"')
APPROVED_AT_ONCE = 20


def address(page: str, plan: dict, token: str = "") -> str:
    """Where ``page`` is for the plan's year (and, to verify, the certificate ``token``)."""
    return PAGES[page].format(year=plan["year"], token=token)


def hidden_fields(html: str) -> dict[str, str]:
    found = {}
    for tag in HIDDEN.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


def entry_fields(form: str, plan: dict, activity_name: str) -> dict[str, str]:
    """The entry form ``form`` filled in to save and submit a record named ``activity_name`` (its
    evidence file goes beside these fields)."""
    return {**hidden_fields(form), "activity_name": activity_name, "activity_number": "",
            "activity_date": plan["activity_date"], "credit_level": "national", "hosting_method": "h01",
            "discipline": "02", "sub_discipline": "0201", "issuing_unit_id": str(plan["issuing_unit_id"]), "remarks": "",
            "f-credits": "2", "f-hours": "6", "action": "submit", "confirm_duplicate": "y"}


def approval(queue: str) -> list[tuple[str, str]]:
    """The form a unit admin sends to approve the first records the review queue's page ``queue``
    shows (APPROVED_AT_ONCE of them), each with the version shown; empty when it shows none."""
    ids = QUEUE_ROW.findall(queue)[:APPROVED_AT_ONCE]
    if not ids:
        return []
    fields = hidden_fields(queue)
    return ([("csrf_token", fields["csrf_token"]), ("decision", "approve"), ("comment", "")]
            + [("record_id", i) for i in ids] + [(f"version-{i}", fields[f"version-{i}"]) for i in ids])
