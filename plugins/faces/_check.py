"""The face check of a check-in, run outside the request (the core names this function to its
background work): the photo is compared 1:1 with the learner's own enrollment, then dropped. A
mismatch, an unclear photo or a missing enrollment flags the check-in for the organiser; a match
is noted too, so that the roster tells a passed check from one still waiting for its turn. The
check-in itself was recorded before and stays."""
from __future__ import annotations

from flask import current_app

from portal.contracts import face_store

from . import _model, _sealing

CHECK = "portal_plugins.faces._check.check"


def seal(photo: bytes) -> bytes:
    return _sealing.seal_photo(current_app.instance_path, photo)


def check(attendance_id: int, person_id: int, sealed_photo: bytes) -> None:
    store = face_store()
    photo = _sealing.unseal_photo(current_app.instance_path, sealed_photo)
    sealed = store.sealed(person_id)
    if sealed is None:
        store.flag(attendance_id, "face_not_enrolled")
        return
    try:
        seen = _model.embed(photo)
    except _model.PhotoRefused:
        store.flag(attendance_id, "face_unclear")
        return
    same = _model.same_person(_sealing.unseal(current_app.instance_path, sealed), seen)
    store.flag(attendance_id, "face_matched" if same else "face_mismatch")
