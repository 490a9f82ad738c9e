"""Issued documents (certificates, forms): numbering, freezing what they state, and verifying
them by the token their QR code carries.

A document is a row of a model with ``number``, ``token``, ``statement``, ``verification_count``
and ``last_verified_at`` (``Certificate``, ``CreditForm``). Its number is random, never
sequential; a clash (the unique constraint on ``number``) just draws another."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Update, bindparam, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import commit_keeping_state, db
from portal.models import Certificate, CreditForm
from portal.models.clock import now

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_ATTEMPTS = 5
# Where a QR code's token may be found, in this order.
VERIFIABLE = (Certificate, CreditForm)
Document = TypeVar("Document")
# What a document states, made from its number, its token and the day of issue.
Freeze = Callable[[str, str, dt.date], dict[str, Any]]


def new_number(year: int) -> str:
    """``2026-7K3M-9QXD``: the year of issue and 40 random bits (Crockford base32)."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"{year}-{chars[:4]}-{chars[4:]}"


def issue(model: type[Document], freeze: Freeze, *, prefix: str = "",
          existing: Callable[[], Document | None] = lambda: None, **columns: Any) -> Document:
    """Insert a new ``model`` row with ``columns``, a fresh random number (after ``prefix``: forms
    have DJ-, YZ-) and token, and the statement ``freeze`` makes of them, frozen from then on;
    commit it. A taken number draws again. When another unique constraint fails because a concurrent request inserted the same
    document first, ``existing`` finds that row, which is returned."""
    for _attempt in range(NUMBER_ATTEMPTS):
        today = dt.date.today()
        number, token = prefix + new_number(today.year), secrets.token_urlsafe(24)
        row = model(number=number, token=token, statement=freeze(number, token, today), verification_count=0, **columns)
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


@cache
def _counting(model: type[Certificate] | type[CreditForm]) -> Update:
    """Built once: anyone may verify, and the public asks more often than anyone else."""
    return (update(model).where(model.token == bindparam("verified_token"))
            .values(verification_count=model.verification_count + 1, last_verified_at=bindparam("verified_at"))
            .returning(model))


def verify(token: str) -> Certificate | CreditForm | None:
    """The document whose QR code carries ``token``, counting this verification; None if unknown."""
    for model in VERIFIABLE:
        found = db.session.scalar(_counting(model), {"verified_token": token, "verified_at": now()})
        commit_keeping_state()  # the page shows the row just written: no need to read it again
        if found is not None:
            return found
    return None
