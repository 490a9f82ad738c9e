"""Face enrollments as the face plugin writes them (portal.contracts.FaceStore), and the face checks
of check-ins at sessions that ask for one."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import audit
from portal.accounts.actor import current_actor
from portal.background import run_later
from portal.contracts import FACE_STORE, FaceStore, Learner
from portal.extensions import db
from portal.models import Attendance, FaceEnrollment, Person
from portal.models.activities import CHECK_IN
from portal.models.clock import now

# Flags of a check-in at a session that asks for a face check (the plugin adds its own: face_mismatch ...):
# no photo came with it, or its check failed (raised, timed out, its worker died) and will not answer.
NO_PHOTO = "no_face_photo"
CHECK_FAILED = "face_check_failed"
# Seconds a check may take on RQ: the model loads in about a second and a photo takes a fraction of one.
CHECK_TIMEOUT = 120


def offered() -> bool:
    """Whether a face plugin offers checks at check-in (PORTAL_FACES=1): else nothing of them shows."""
    store = current_app.extensions.get(FACE_STORE)
    return store is not None and store.check_function is not None


def check_in_photo(attendance: Attendance, photo: bytes | None) -> None:
    """A new check-in at a session that asks for a face check: compare its photo outside the
    request, or flag that none came. Never refuses the check-in."""
    if not offered() or attendance.kind != CHECK_IN or not attendance.session.face_check:
        return
    if not photo:
        current_app.extensions[FACE_STORE].flag(attendance.id, NO_PHOTO)
        return
    store = current_app.extensions[FACE_STORE]
    run_later(store.check_function, attendance.id, attendance.person_id, store.seal(photo), timeout=CHECK_TIMEOUT,
              on_failure="portal.faces.services.check_failed")


def check_failed(attendance_id: int, _person_id: int, _sealed_photo: bytes) -> None:
    """The check's job failed: the check-in says so for its organiser instead of waiting for ever
    (the check-in itself stands, as always)."""
    current_app.extensions[FACE_STORE].flag(attendance_id, CHECK_FAILED)


def enrolled(person_id: int) -> bool:
    """Whether the person has a face enrollment (for their unit admin's page: no more than that)."""
    return db.session.scalar(select(FaceEnrollment.id).where(FaceEnrollment.person_id == person_id)) is not None


class Enrollments(FaceStore):
    check_function: str | None = None

    def offer_checks(self, function: str, seal: Callable[[bytes], bytes]) -> None:
        self.check_function, self.seal = function, seal

    def flag(self, attendance_id: int, flag: str) -> None:
        row = db.session.get(Attendance, attendance_id)
        if row is not None and flag not in (row.flags or []):
            row.flags = [*(row.flags or []), flag]  # a new list: the JSON column sees the change
            db.session.commit()

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
