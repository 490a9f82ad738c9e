"""W3C Bitstring Status List: one bit per credential, set when its certificate is revoked.

A list holds SIZE bits (the specification's minimum, 16 KB before compression, so one bit says
nothing about who was checked); ``encodedList`` is the bitstring GZIP-compressed, then
base64url without padding, with multibase's "u" prefix. Bit 0 is the most significant bit of the
first byte. The bits are not stored: they are read from the certificates' revocations whenever
the list is asked for, so a revocation shows in the list from the moment it is committed."""
from __future__ import annotations

import base64
import gzip

from sqlalchemy import select

from portal.extensions import db
from portal.models import Certificate, VerifiableCredential

SIZE = 131_072


def encode(indexes: list[int] | set[int]) -> str:
    bits = bytearray(SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same bytes.
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (with or without the multibase prefix); ValueError if it is none."""
    text = encoded.removeprefix("u")
    try:
        return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, OSError, EOFError) as e:
        raise ValueError("not a GZIP-compressed base64url bitstring") from e


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError("index outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def revoked(list_number: int) -> set[int]:
    """The indexes in list ``list_number`` whose certificates are revoked."""
    return set(db.session.scalars(
        select(VerifiableCredential.status_index)
        .join(Certificate, Certificate.id == VerifiableCredential.certificate_id)
        .where(VerifiableCredential.status_list == list_number, Certificate.revoked_at.is_not(None))
    ))


def exists(list_number: int) -> bool:
    return db.session.scalar(select(VerifiableCredential.id).where(VerifiableCredential.status_list == list_number)
                             .limit(1)) is not None
