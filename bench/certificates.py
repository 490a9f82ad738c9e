"""The bench cases of issue 5: a batch of 100 certificates (milliseconds a page) beside WeasyPrint
rendering the same HTML alone, one certificate's PDF request, and the public verification page."""
from __future__ import annotations

import io
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from portal.accounts.actor import actor_for
from portal.certificates import services
from portal.extensions import db
from portal.models import CreditRecord, Person
from portal_plugins.exporters._pdf import TEMPLATES, import_weasyprint
from portal_plugins.exporters.certificate_pdf import CertificatePdf, render_html

BATCH = 100
BATCH_REPEAT = 3


def issue_batch(app: Flask, person_id: int) -> tuple[list[dict], list[tuple[str, str]], float]:
    """Certificates for ``BATCH`` of the learner's approved records, issued through the service
    as the learner: their statements, (number, token) pairs, and the seconds issuing took."""
    with app.test_request_context():
        person = db.session.get(Person, person_id)
        ids = db.session.scalars(select(CreditRecord.id).where(CreditRecord.person_id == person_id,
                                                               CreditRecord.status == "approved")
                                 .order_by(CreditRecord.id).limit(BATCH)).all()
        assert len(ids) == BATCH, f"the learner has only {len(ids)} approved records"
        started = time.perf_counter()
        issued = services.issue(actor_for(person.user), ids)
        seconds = time.perf_counter() - started
        found = [dict(c.statement) for c in issued], [(c.number, c.token) for c in issued]
        db.session.remove()
    return *found, seconds


def ours_batch_timer(statements: list[dict]) -> Callable[[], float]:
    """The exporter: template, QR codes and WeasyPrint, per page."""
    def once() -> float:
        start = time.perf_counter()
        CertificatePdf().write(statements, io.BytesIO())
        return (time.perf_counter() - start) * 1000 / len(statements)
    return once


def weasyprint_timer(statements: list[dict]) -> Callable[[], float]:
    """WeasyPrint alone: the same HTML, rendered beforehand, to PDF, per page."""
    weasyprint = import_weasyprint()
    html = render_html(statements)

    def once() -> float:
        start = time.perf_counter()
        weasyprint.HTML(string=html, base_url=TEMPLATES.as_uri() + "/").write_pdf(io.BytesIO())
        return (time.perf_counter() - start) * 1000 / len(statements)
    return once
