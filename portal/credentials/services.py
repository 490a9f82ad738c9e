"""Issuing certificates' verifiable credentials, the signed status lists, and key rotation.

A certificate's credential is signed the first time anyone asks for it (the learner's download,
the API, the verification page) from what the certificate froze at issue, and kept as signed:
the same file every time after, valid from the certificate's own date. Its place in a status
list is drawn at random among the list's free bits (so neighbours in a list say nothing about
who was certified together); the unique constraint on (list, index) decides a clash, and the
next list opens once a list is half full."""
from __future__ import annotations

import secrets
from typing import Any

import jwt
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.certificates import services as certificates
from portal.certificates.services import CertificateRevoked
from portal.credentials import keys, openbadges, signing, status_list
from portal.extensions import db
from portal.models import Certificate, Person, VerifiableCredential
from portal.models.clock import now

ATTEMPTS = 20


def of_number(actor: Actor, number: str) -> VerifiableCredential:
    """The credential of certificate ``number``: 404 unless the actor may see the certificate,
    CertificateRevoked when it was revoked."""
    return of_certificate(certificates.find(actor, [number])[0])


def of_token(token: str) -> VerifiableCredential | None:
    """The credential of the certificate whose QR code carries ``token`` (the public
    verification page); None for an unknown token or a revoked certificate."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.token == token))
    if certificate is None or certificate.revoked_at is not None:
        return None
    return of_certificate(certificate)


def of_certificate(certificate: Certificate) -> VerifiableCredential:
    """The certificate's credential, signed now if it has none yet; CertificateRevoked when the
    certificate was revoked (its credential is never sent again)."""
    if certificate.revoked_at is not None:
        raise CertificateRevoked(certificate)
    found = _existing(certificate.id)
    if found is not None:
        return found
    id_number = db.session.get(Person, certificate.person_id).id_number
    for _attempt in range(ATTEMPTS):
        list_number, index = _draw()
        token, kid = signing.sign(openbadges.credential(certificate, id_number, list_number, index))
        row = VerifiableCredential(certificate_id=certificate.id, status_list=list_number, status_index=index,
                                   kid=kid, jwt=token, issued_at=now())
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()
            found = _existing(certificate.id)
            if found is not None:
                return found
    raise RuntimeError(f"no free status list index after {ATTEMPTS} attempts")


def payload(credential: VerifiableCredential) -> dict[str, Any]:
    """The credential as signed (the JWT's payload; our own signature, so not checked again here)."""
    return jwt.decode(credential.jwt, options={"verify_signature": False})


def signed_status_list(list_number: int) -> str:
    """Status list ``list_number`` as a signed credential (VC-JWT), 404 for a list not opened yet."""
    if list_number != 0 and not status_list.exists(list_number):
        abort(404)
    document = openbadges.status_list_credential(list_number, status_list.encode(status_list.revoked(list_number)), now())
    return signing.sign(document)[0]


def rotate_key(actor: Actor | None) -> str:
    """A new signing key (the old ones stay published); audited. Returns the new key id."""
    kid = keys.rotate()
    audit.write(audit.CREDENTIAL_KEY_ROTATE, None, actor, after={"kid": kid})
    db.session.commit()
    return kid


def _existing(certificate_id: int) -> VerifiableCredential | None:
    return db.session.scalar(select(VerifiableCredential).where(VerifiableCredential.certificate_id == certificate_id))


def _draw() -> tuple[int, int]:
    """(list, index): the newest list until it is half full, then the next; a random bit in it."""
    newest = db.session.scalar(select(func.max(VerifiableCredential.status_list))) or 0
    used = db.session.scalar(select(func.count(VerifiableCredential.id)).where(VerifiableCredential.status_list == newest))
    if used >= status_list.SIZE // 2:
        newest += 1
    return newest, secrets.randbelow(status_list.SIZE)
