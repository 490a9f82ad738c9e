"""Enrolling a face and withdrawing it, for the app's page and the REST API alike: the photo is
read in memory, reduced to its descriptor, and dropped; only the sealed descriptor reaches the core."""
from __future__ import annotations

from flask import current_app

from portal.contracts import face_store

from . import _model, _sealing


class AlreadyEnrolled(Exception):
    """The learner has an enrollment: it cannot be changed, only withdrawn (or reset by their unit)."""


def enroll(person_id: int, photo: bytes) -> None:
    """Enroll the one clear face of ``photo``; PhotoRefused or AlreadyEnrolled otherwise."""
    store = face_store()
    if store.sealed(person_id) is not None:
        raise AlreadyEnrolled
    descriptor = _model.embed(photo)
    if not store.enroll(person_id, _sealing.seal(current_app.instance_path, descriptor)):
        raise AlreadyEnrolled


def enrolled(person_id: int) -> bool:
    return face_store().sealed(person_id) is not None
