"""Face enrollments as the face plugin writes them (portal.contracts.FaceStore), and the face checks
of check-ins at sessions that ask for one."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string

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
# In g while a check runs: (the check-in's id, its year), for the flags the plugin adds by the id alone.
CHECKING = "portal_face_check"


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
        _flag(attendance.id, attendance.year, NO_PHOTO)
        return
    store = current_app.extensions[FACE_STORE]
    run_later("portal.faces.services.run_check", attendance.id, attendance.year, attendance.person_id,
              store.seal(photo), timeout=CHECK_TIMEOUT, on_failure="portal.faces.services.check_failed")


def run_check(attendance_id: int, year: int, person_id: int, sealed_photo: bytes) -> None:
    """Outside the request: the plugin's check, ``function(attendance_id, person_id, sealed_photo)``
    as the contract has it. The plugin names the check-in by its id alone; the year kept here lets
    the flags it adds read only that year's attendance partition."""
    store = current_app.extensions[FACE_STORE]
    if store.check_function is None:  # the plugin was turned off since the check-in
        return
    setattr(g, CHECKING, (attendance_id, year))
    import_string(store.check_function)(attendance_id, person_id, sealed_photo)


def check_failed(attendance_id: int, year: int, _person_id: int, _sealed_photo: bytes) -> None:
    """The check's job failed: the check-in says so for its organiser instead of waiting for ever
    (the check-in itself stands, as always)."""
    _flag(attendance_id, year, CHECK_FAILED)


def _flag(attendance_id: int, year: int | None, flag: str) -> None:
    """Add ``flag`` to the check-in and commit. Without its year (a caller outside a check) every
    attendance partition is looked in."""
    where = [Attendance.id == attendance_id, *([Attendance.year == year] if year is not None else [])]
    flags = db.session.scalar(select(Attendance.flags).where(*where))
    if flags is not None and flag not in flags:
        db.session.execute(update(Attendance).where(*where).values(flags=[*flags, flag]))
        db.session.commit()


def enrolled(person_id: int) -> bool:
    """Whether the person has a face enrollment (for their unit admin's page: no more than that)."""
    return db.session.scalar(select(FaceEnrollment.id).where(FaceEnrollment.person_id == person_id)) is not None


class Enrollments(FaceStore):
    check_function: str | None = None

    def offer_checks(self, function: str, seal: Callable[[bytes], bytes]) -> None:
        self.check_function, self.seal = function, seal

    def flag(self, attendance_id: int, flag: str) -> None:
        checking = g.get(CHECKING)
        _flag(attendance_id, checking[1] if checking and checking[0] == attendance_id else None, flag)

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
