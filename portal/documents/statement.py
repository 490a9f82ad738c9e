"""What every issued document states besides its own content: the province that titles it and
the verification URL its QR code carries."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Unit


def verify_url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/verify/{token}"


def province_name() -> str:
    """The province unit's name (浙江省), which titles certificates and forms; empty without one."""
    return db.session.scalar(select(Unit.name).where(Unit.kind == "province").order_by(Unit.id).limit(1)) or ""
