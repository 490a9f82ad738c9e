"""Verifiable credentials: each certificate also as a signed Open Badges 3.0 credential (VC-JWT),
issued once and kept as signed, with its place in a revocation status list."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.certificates import Certificate


class VerifiableCredential(Model):
    __tablename__ = "verifiable_credential"
    # One bit per credential: the constraint decides between two credentials drawing the same index.
    __table_args__ = (UniqueConstraint("status_list", "status_index", name="uq_verifiable_credential_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # At most one credential per certificate: under concurrency this constraint decides.
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), unique=True)
    # The status list (/credentials/status/<status_list>) and the bit in it that revocation sets.
    status_list: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    # The signing key's id (the JWT header's kid), to show which key signed what after rotations.
    kid: Mapped[str] = mapped_column(String(64))
    # The compact JWS as issued: the credential is its payload.
    jwt: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

    certificate: Mapped[Certificate] = relationship()
