"""Issuing, finding and revoking certificates (numbering, freezing and verifying are
portal.documents').

Issuing is idempotent per record: the unique constraint on ``record_id`` decides between
concurrent requests (the loser rolls back and reads the winner's certificate)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.certificates.statement import statement
from portal.compliance.summaries import COUNTED
from portal.credits import services as credits
from portal.documents import services as documents
from portal.extensions import db
from portal.models import Certificate, CreditRecord
from portal.models.clock import now

# app.extensions[ISSUED]: functions called with each newly issued certificate.
ISSUED = "portal.certificate_issued"


class RevokeInvalid(ValueError):
    """The revocation cannot be made (no reason, already revoked)."""


class CertificateRevoked(ValueError):
    """A revoked certificate was asked for: it is never issued again nor sent as a file."""

    def __init__(self, certificate: Certificate):
        super().__init__(_("Certificate %(number)s was revoked on %(date)s and can no longer be downloaded.",
                           number=certificate.number, date=certificate.revoked_at.date().isoformat()))


def _not_revoked(certificates: list[Certificate]) -> list[Certificate]:
    revoked = next((c for c in certificates if c.revoked_at is not None), None)
    if revoked is not None:
        raise CertificateRevoked(revoked)
    return certificates


def visible(actor: Actor) -> Select:
    """Certificates of the records the actor may see (own; the unit's staff; all for the province)."""
    return select(Certificate).where(Certificate.record_id.in_(credits.visible(actor).with_only_columns(CreditRecord.id)))


def find(actor: Actor, numbers: Iterable[str]) -> list[Certificate]:
    """The certificates with these numbers, in that order; any the actor may not see is a 404,
    and a revoked one raises CertificateRevoked."""
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not wanted:
        abort(404)
    found = {c.number: c for c in db.session.scalars(visible(actor).where(Certificate.number.in_(wanted)))}
    if len(found) != len(wanted):
        abort(404)
    return _not_revoked([found[n] for n in wanted])


def of_record(record_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.record_id == record_id))


def issue(actor: Actor, record_ids: Iterable[int]) -> list[Certificate]:
    """A certificate for each record (the existing one when it has one). Each record must be
    approved, still counted (no approved correction replaced it) and one the actor may see;
    anything else is a 404, with nothing issued. A record whose certificate was revoked gets no
    new one (CertificateRevoked)."""
    ids = list(dict.fromkeys(int(i) for i in record_ids))
    chosen = {r.id: r for r in db.session.scalars(credits.visible(actor).where(CreditRecord.id.in_(ids), COUNTED))} if ids else {}
    if not ids or len(chosen) != len(ids):
        abort(404)
    return _not_revoked([of_record(i) or _issue_one(chosen[i]) for i in ids])


def _issue_one(record: CreditRecord) -> Certificate:
    record_id = record.id
    certificate = documents.issue(Certificate, partial(statement, record), existing=lambda: of_record(record_id),
                                  record_id=record_id, record_year=record.credit_year, person_id=record.person_id,
                                  revoke_reason="")
    # What else a certificate is issued as (its verifiable credential), registered on the app by
    # the packages that make them: this package does not know them.
    for issued in current_app.extensions.get(ISSUED, ()):
        issued(certificate)
    return certificate


def revoke(actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate (provincial admin only; a reason is required). It stays on record
    and its verification page says 已撤销 with the date."""
    if not actor.is_province_admin:
        abort(404)
    reason = (reason or "").strip()
    if not reason:
        raise RevokeInvalid(_("Say why the certificate is revoked."))
    if certificate.revoked_at is not None:
        raise RevokeInvalid(_("This certificate is already revoked."))
    certificate.revoked_at, certificate.revoke_reason, certificate.revoked_by = now(), reason, actor.user.id
    audit.write(audit.CERTIFICATE_REVOKE, None, actor, None, after={"number": certificate.number, "reason": reason})
    db.session.commit()
    return certificate


def listing(number: str = "") -> Select:
    """Every certificate (the provincial admin's list), optionally those whose number contains ``number``."""
    query = select(Certificate)
    if number.strip():
        query = query.where(Certificate.number.contains(number.strip().upper()))
    return query
