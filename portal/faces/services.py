"""Face enrollments as the face plugin writes them (portal.contracts.FaceStore)."""
from __future__ import annotations

from flask import g
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import audit
from portal.accounts.actor import current_actor
from portal.contracts import FaceStore, Learner
from portal.extensions import db
from portal.models import FaceEnrollment, Person
from portal.models.clock import now


class Enrollments(FaceStore):
    def learner(self) -> Learner | None:
        if getattr(g, "user", None) is None or not g.user.is_authenticated:
            return None
        person = current_actor().person
        return Learner(person.id) if person is not None else None

    def sealed(self, person_id: int) -> bytes | None:
        return db.session.scalar(select(FaceEnrollment.sealed).where(FaceEnrollment.person_id == person_id))

    def enroll(self, person_id: int, sealed: bytes) -> bool:
        person = db.session.get(Person, person_id)
        db.session.add(FaceEnrollment(person_id=person_id, sealed=sealed, created_at=now()))
        audit.write(audit.FACE_ENROLL, person.user, current_actor(), unit_id=person.unit_id)
        try:
            db.session.commit()
        except IntegrityError:  # the unique person_id: enrolled already, perhaps a moment ago
            db.session.rollback()
            return False
        return True

    def withdraw(self, person_id: int) -> bool:
        return self._delete(db.session.get(Person, person_id), audit.FACE_WITHDRAW)

    def reset(self, person_id: int) -> bool:
        actor = current_actor()
        person = db.session.get(Person, person_id)
        if person is None or not actor.is_unit_admin or person.unit_id != actor.unit_id:
            return False
        return self._delete(person, audit.FACE_RESET)

    @staticmethod
    def _delete(person: Person, action: str) -> bool:
        deleted = db.session.execute(delete(FaceEnrollment).where(FaceEnrollment.person_id == person.id)).rowcount
        if not deleted:
            db.session.rollback()
            return False
        audit.write(action, person.user, current_actor(), unit_id=person.unit_id)
        db.session.commit()
        return True
