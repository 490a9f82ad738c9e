"""What a certificate states, frozen at issue: a ``portal.contracts.CertificateStatement``."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from portal.contracts import CertificateStatement, credits_text, hours_text
from portal.credits import services as credits
from portal.dictionaries.services import names
from portal.documents.statement import province_name, verify_url
from portal.models import CreditRecord

CLASS_NAMES = {"I": "I类", "II": "II类"}


def title() -> str:
    """The configured title, after the province's name (浙江省…)."""
    return f"{province_name()}{current_app.config['CERTIFICATE_TITLE']}"


def _period(record: CreditRecord) -> tuple[str, str]:
    """The project's first and last day, as the record's credit type states them."""
    period = credits.period(record)
    return period.first.isoformat(), period.last.isoformat()


def statement(record: CreditRecord, number: str, token: str, issued_on: dt.date) -> CertificateStatement:
    start, end = _period(record)
    return {
        "number": number,
        "title": title(),
        "person_name": record.person.name,
        "sex": record.person.sex,
        "project_start": start,
        "project_end": end,
        "organiser": record.issuer,
        "credit_level": names("credit_levels").get(record.credit_level, record.credit_level),
        "project_number": record.activity_number or "",
        "project_name": record.activity_name,
        "credit_class": CLASS_NAMES.get(record.credit_class, "其他"),
        "credits": credits_text(record.credits),
        "hours": hours_text(record.hours),
        "awarding_body": current_app.config["AWARDING_BODY"],
        "issued_on": issued_on.isoformat(),
        "verify_url": verify_url(token),
    }
