"""人脸建档: a person's face enrollment, written only through the face plugin (plugins/faces/).
``sealed`` is what the plugin hands the core: its encrypted face embedding, which the core
cannot read. No photo is ever stored."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column


class FaceEnrollment(Model):
    __tablename__ = "face_enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One enrollment a person: a second is refused by the database too.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
