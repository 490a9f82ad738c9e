"""What 我的证书 lists, read through the certificates' and credits' own scoping: the learner's
certificates still valid, newest first, and a page of their approved records that count (a
certificate can be issued for each)."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import joinedload

from portal.accounts.actor import Actor
from portal.certificates import services as certificates
from portal.compliance.summaries import COUNTED
from portal.credits import query as credit_query
from portal.credits import services as credits
from portal.extensions import db
from portal.models import Certificate
from portal.pagination import Page


def issued(actor: Actor, limit: int) -> list[Certificate]:
    return list(db.session.scalars(
        certificates.visible(actor).where(Certificate.revoked_at.is_(None)).options(joinedload(Certificate.record))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(limit)))


def counted_records(actor: Actor, number: int, per_page: int) -> Page:
    counted = credits.visible(actor).where(COUNTED)
    total = db.session.scalar(counted.with_only_columns(func.count()).order_by(None)) or 0
    return Page(list(credit_query.shown(counted, per_page, (number - 1) * per_page)), total, number, per_page)
