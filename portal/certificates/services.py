"""Issuing, finding, verifying and revoking certificates.

Issuing is idempotent per record: the unique constraint on ``record_id`` decides between
concurrent requests (the loser rolls back and reads the winner's certificate), and a clash of
random numbers (the unique constraint on ``number``) just draws another."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.actor import Actor
from portal.certificates.statement import statement
from portal.compliance.summaries import COUNTED
from portal.credits import records
from portal.extensions import db
from portal.models import Certificate, CreditRecord

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_ATTEMPTS = 5
Numbered = TypeVar("Numbered")


class RevokeInvalid(ValueError):
    """The revocation cannot be made (no reason, already revoked)."""


def new_number(year: int, prefix: str = "") -> str:
    """``2026-7K3M-9QXD``: the year of issue and 40 random bits, after ``prefix`` (forms: DJ-, YZ-)."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"{prefix}{year}-{chars[:4]}-{chars[4:]}"


def visible(actor: Actor) -> Select:
    """Certificates of the records the actor may see (own; the unit's staff; all for the province)."""
    return select(Certificate).where(Certificate.record_id.in_(records.visible(actor).with_only_columns(CreditRecord.id)))


def find(actor: Actor, numbers: Iterable[str]) -> list[Certificate]:
    """The certificates with these numbers, in that order; any the actor may not see is a 404."""
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not wanted:
        abort(404)
    found = {c.number: c for c in db.session.scalars(visible(actor).where(Certificate.number.in_(wanted)))}
    if len(found) != len(wanted):
        abort(404)
    return [found[n] for n in wanted]


def of_record(record_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.record_id == record_id))


def issue(actor: Actor, record_ids: Iterable[int]) -> list[Certificate]:
    """A certificate for each record (the existing one when it has one). Each record must be
    approved, still counted (no approved correction replaced it) and one the actor may see;
    anything else is a 404, with nothing issued."""
    ids = list(dict.fromkeys(int(i) for i in record_ids))
    chosen = {r.id: r for r in db.session.scalars(records.visible(actor).where(CreditRecord.id.in_(ids), COUNTED))} if ids else {}
    if not ids or len(chosen) != len(ids):
        abort(404)
    return [of_record(i) or _issue_one(chosen[i]) for i in ids]


def add_numbered(build: Callable[[], Numbered], existing: Callable[[], Numbered | None] = lambda: None) -> Numbered:
    """Insert the row ``build`` makes (with a fresh random number and token each call), drawing
    again when the number is taken. When another unique constraint fails because a concurrent
    request inserted the same thing first, ``existing`` finds that row, which is returned."""
    for _attempt in range(NUMBER_ATTEMPTS):
        row = build()
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()
            found = existing()
            if found is not None:
                return found
    raise RuntimeError(f"no free number after {NUMBER_ATTEMPTS} attempts")


def _issue_one(record: CreditRecord) -> Certificate:
    record_id, person_id = record.id, record.person_id

    def build() -> Certificate:
        today = dt.date.today()
        number, token = new_number(today.year), secrets.token_urlsafe(24)
        return Certificate(number=number, token=token, record_id=record_id, person_id=person_id,
                           statement=statement(record, number, token, today), revoke_reason="", verification_count=0)

    return add_numbered(build, lambda: of_record(record_id))


def verified(model: type[Numbered], token: str) -> Numbered | None:
    """The certificate or form (``model``) the QR code's ``token`` names, counting this
    verification; None if unknown."""
    result = db.session.execute(
        update(model).where(model.token == token)
        .values(verification_count=model.verification_count + 1, last_verified_at=records.now())
    )
    db.session.commit()
    if result.rowcount == 0:
        return None
    return db.session.scalar(select(model).where(model.token == token))


def verify(token: str) -> Certificate | None:
    return verified(Certificate, token)


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
    certificate.revoked_at, certificate.revoke_reason, certificate.revoked_by = records.now(), reason, actor.user.id
    db.session.commit()
    return certificate


def listing(number: str = "") -> Select:
    """Every certificate (the provincial admin's list), optionally those whose number contains ``number``."""
    query = select(Certificate)
    if number.strip():
        query = query.where(Certificate.number.contains(number.strip().upper()))
    return query
