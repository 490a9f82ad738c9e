"""人脸建档 (plugins/faces/, PORTAL_FACES=1), with the real dlib model on real face photos
(tests/face_photos.py): one clear face or nothing is kept; only a sealed descriptor is stored;
the learner withdraws it, their unit admin (and no other) resets it; a session's face check
flags a check-in whose photo is not the learner's, never refuses it; with the plugin off there
is nothing about faces anywhere."""
from __future__ import annotations

import base64
import io
import threading
import uuid

import numpy as np
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import ActivitySession, Attendance, AuditEntry, FaceEnrollment
from tests import face_photos as photos
from tests.activity_world import START, ActivityWorld, activity_body
from tests.conftest import csrf_from
from tests.helpers import TestUsers, api_token, login


@pytest.fixture
def world(faces_app):
    users = TestUsers(faces_app)
    unit, other_unit = users.unit("F1"), users.unit("F2")
    return {"learner": users.person(unit, name="李四"), "other": users.person(unit, name="王五"),
            "admin": users.person(unit, role="unit_admin", name="赵六"),
            "stranger_admin": users.person(other_unit, role="unit_admin", name="钱七")}


def bearer(app, who) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(app.test_client(), who.username, who.password)}"}


def enroll(app, who, image, consent="true"):
    return app.test_client().post("/api/v1/me/face/", headers=bearer(app, who),
                                  data={"consent": consent, "photo": (io.BytesIO(photos.jpeg(image)), "face.jpg")})


def stored(app, person_id):
    with app.app_context():
        return db.session.scalar(select(FaceEnrollment).where(FaceEnrollment.person_id == person_id))


@pytest.mark.parametrize("image, code", [(photos.no_face, "no_face"), (photos.plain, "no_face"),
                                         (photos.two_people, "many_faces")])
def test_a_photo_without_exactly_one_clear_face_is_refused_and_nothing_kept(faces_app, world, image, code):
    response = enroll(faces_app, world["learner"], image())
    assert response.status_code == 422 and response.json["code"] == code
    assert "。" in response.json["message"] or "，" in response.json["message"]  # told in Chinese
    assert stored(faces_app, world["learner"].id) is None


def test_not_a_photo_and_no_consent_are_refused(faces_app, world):
    client = faces_app.test_client()
    response = client.post("/api/v1/me/face/", headers=bearer(faces_app, world["learner"]),
                           data={"consent": "true", "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "face.jpg")})
    assert response.status_code == 422 and response.json["code"] == "unreadable"
    assert enroll(faces_app, world["learner"], photos.astronaut(), consent="").json["code"] == "consent_required"
    assert stored(faces_app, world["learner"].id) is None


def test_the_row_holds_a_sealed_descriptor_no_photo_and_no_plain_numbers(faces_app, world):
    photo = photos.jpeg(photos.astronaut())
    assert enroll(faces_app, world["learner"], photos.astronaut()).status_code == 201
    row = stored(faces_app, world["learner"].id)
    with faces_app.app_context():
        from portal_plugins.faces import _model as embedding

        descriptor = embedding.embed(photo)
    columns = {c.name for c in FaceEnrollment.__table__.columns}
    assert columns == {"id", "person_id", "sealed", "created_at"}
    assert photo[:64] not in row.sealed and b"JFIF" not in row.sealed and b"\xff\xd8" not in row.sealed[:2]
    # Neither the float64 nor the float32 bytes of the descriptor, nor any of its numbers, are in the row.
    for dtype in ("<f8", "<f4", ">f8"):
        assert descriptor.astype(dtype).tobytes()[:16] not in row.sealed
    assert f"{descriptor[0]:.6f}".encode() not in row.sealed
    assert row.sealed.startswith(b"gAAAAA")  # a Fernet token, opened only with the instance's faces.key
    key = (faces_app.instance_path and __import__("pathlib").Path(faces_app.instance_path) / "faces.key")
    assert key.stat().st_mode & 0o077 == 0


def test_the_same_person_in_another_photo_matches_and_another_person_does_not(faces_app):
    from portal_plugins.faces import _model as embedding

    enrolled = embedding.embed(photos.jpeg(photos.astronaut()))
    assert embedding.same_person(enrolled, embedding.embed(photos.jpeg(photos.same_person_other_photo(), quality=70)))
    darker = photos.ImageEnhance.Brightness(photos.astronaut()).enhance(0.6)
    assert embedding.same_person(enrolled, embedding.embed(photos.jpeg(darker)))
    assert not embedding.same_person(enrolled, embedding.embed(photos.jpeg(photos.hopper())))
    assert np.linalg.norm(enrolled) > 0


def test_an_enrollment_cannot_be_changed_but_withdrawing_deletes_it(faces_app, world):
    learner = world["learner"]
    assert enroll(faces_app, learner, photos.astronaut()).status_code == 201
    again = enroll(faces_app, learner, photos.hopper())
    assert again.status_code == 409 and again.json["code"] == "already_enrolled"
    client = faces_app.test_client()
    headers = bearer(faces_app, learner)
    assert client.get("/api/v1/me/face/", headers=headers).json == {"enrolled": True}
    assert client.delete("/api/v1/me/face/", headers=headers).status_code == 204
    assert stored(faces_app, learner.id) is None
    assert client.get("/api/v1/me/face/", headers=headers).json == {"enrolled": False}
    assert client.delete("/api/v1/me/face/", headers=headers).status_code == 404
    with faces_app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("face_%"))
                                     .order_by(AuditEntry.id)).all()
    assert actions == ["face_enroll", "face_withdraw"]


def test_only_the_learners_own_unit_admin_resets_it_and_it_is_audited(faces_app, world):
    learner = world["learner"]
    assert enroll(faces_app, learner, photos.astronaut()).status_code == 201
    client = faces_app.test_client()
    url = f"/api/v1/people/{learner.id}/face"
    assert client.delete(url, headers=bearer(faces_app, world["stranger_admin"])).status_code == 404
    assert client.delete(url, headers=bearer(faces_app, world["other"])).status_code in (401, 403, 404)
    assert stored(faces_app, learner.id) is not None
    assert client.delete(url, headers=bearer(faces_app, world["admin"])).status_code == 204
    assert stored(faces_app, learner.id) is None
    with faces_app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("face_%"))
                                   .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "face_reset" and entry.role == "unit_admin"


def test_the_unit_admin_resets_it_from_the_persons_page(faces_app, world):
    learner = world["learner"]
    assert enroll(faces_app, learner, photos.astronaut()).status_code == 201
    stranger = faces_app.test_client()
    login(stranger, world["stranger_admin"].username, world["stranger_admin"].password)
    assert stranger.post(f"/people/{learner.id}/face-reset", data={"csrf_token": csrf_from(
        stranger.get("/m/").get_data(as_text=True))}).status_code == 404
    admin = faces_app.test_client()
    login(admin, world["admin"].username, world["admin"].password)
    page = admin.get(f"/people/{learner.id}").get_data(as_text=True)
    assert 'id="face-reset"' in page and "重置人脸建档" in page
    done = admin.post(f"/people/{learner.id}/face-reset", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "人脸建档已重置" in done.get_data(as_text=True) and stored(faces_app, learner.id) is None
    assert 'id="face-reset"' not in done.get_data(as_text=True)


def test_the_browser_api_needs_the_csrf_token(faces_app, world):
    client = faces_app.test_client()
    login(client, world["learner"].username, world["learner"].password)
    data = {"consent": "true", "photo": (io.BytesIO(photos.jpeg(photos.astronaut())), "face.jpg")}
    assert client.post("/api/v1/me/face/", data=data).status_code == 400
    assert stored(faces_app, world["learner"].id) is None


def test_the_app_page_asks_consent_then_enrolls_and_offers_withdrawal(faces_app, world):
    """register_app_entries: the plugin's entry 人脸建档 is on the app's grid; its page asks for
    consent before a photo is taken, enrolls, then offers withdrawal."""
    client = faces_app.test_client()
    login(client, world["learner"].username, world["learner"].password)
    assert "/m/face/" in client.get("/m/").get_data(as_text=True)
    page = client.get("/m/face/").get_data(as_text=True)
    assert "人脸" in page and "同意" in page
    token = csrf_from(page)
    refused = client.post("/m/face/", data={"csrf_token": token, "photo": (io.BytesIO(photos.jpeg(photos.astronaut())), "a.jpg")})
    assert "同意" in refused.get_data(as_text=True) and stored(faces_app, world["learner"].id) is None
    done = client.post("/m/face/", follow_redirects=True, data={
        "csrf_token": token, "consent": "true", "photo": (io.BytesIO(photos.jpeg(photos.astronaut())), "a.jpg")})
    assert 'id="enrolled"' in done.get_data(as_text=True) and stored(faces_app, world["learner"].id) is not None
    client.post("/m/face/withdraw", data={"csrf_token": token})
    assert stored(faces_app, world["learner"].id) is None


def test_with_the_plugin_off_nothing_about_faces_appears(app, users):
    """register_app_entries: unconfigured, the plugin adds no entry to the app's grid, and no page or API."""
    learner = users.person(users.unit("F9"))
    client = app.test_client()
    login(client, learner.username, learner.password)
    home = client.get("/m/").get_data(as_text=True)
    assert "/m/face" not in home and "人脸" not in home
    admin = app.test_client()
    unit_admin = users.person(users.unit("F8"), role="unit_admin")
    login(admin, unit_admin.username, unit_admin.password)
    assert "face" not in admin.get(f"/people/{unit_admin.id}").get_data(as_text=True)
    assert client.get("/m/face/").status_code == 404
    token = api_token(app.test_client(), learner.username, learner.password)
    for method in ("get", "post", "delete"):
        answer = getattr(app.test_client(), method)("/api/v1/me/face/", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404
    # The one route about faces without the plugin is the unit admin's reset, and it answers 404.
    assert [str(r) for r in app.url_map.iter_rules() if "face" in str(r)] == ["/people/<int:person_id>/face-reset"]
    page = admin.get("/m/").get_data(as_text=True)
    assert admin.post(f"/people/{learner.id}/face-reset", data={"csrf_token": csrf_from(page)}).status_code == 404


# --- the face check at check-in ----------------------------------------------------------------

def _jobs_done() -> None:
    """Wait for the background checks (threads without Redis, as portal.background runs them)."""
    for thread in threading.enumerate():
        if thread.name.startswith("background "):
            thread.join(timeout=60)


def _flags(app, learner) -> list[str]:
    with app.app_context():
        return db.session.scalar(select(Attendance.flags).where(Attendance.person_id == learner.id))


@pytest.fixture
def checking(faces_app):
    """An activity whose first session asks for a face check, the clock at its check-in."""
    world = ActivityWorld(faces_app, TestUsers(faces_app))
    body = activity_body(faces_app, sessions=1)
    body["sessions"][0]["face_check"] = True
    made = world.caller(world.admin).post("/api/v1/activities/", json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.json["sessions"][0]["face_check"] is True
    world.clock.at(START, -300)
    return world, made.json


def _check_in(world, activity, learner, image=None):
    body = {"url": world.code(activity), "lat": 30.2741, "lon": 120.1551, "accuracy": 20, "device": f"phone-{learner.id}"}
    if image is not None:
        body["photo"] = base64.b64encode(photos.jpeg(image)).decode()
    answer = world.caller(learner).post("/api/v1/attendance/", json=body)
    assert answer.status_code == 201, answer.get_data(as_text=True)  # never refused, whatever the face
    _jobs_done()


def test_the_same_face_at_check_in_passes_another_face_is_flagged_for_the_organiser(faces_app, checking):
    world, activity = checking
    she, impostor = world.learner("周医生"), world.learner("吴医生")
    assert enroll(faces_app, she, photos.astronaut()).status_code == 201
    assert enroll(faces_app, impostor, photos.astronaut()).status_code == 201  # enrolled with someone else's face
    _check_in(world, activity, she, photos.same_person_other_photo())
    _check_in(world, activity, impostor, photos.hopper())
    assert _flags(faces_app, she) == ["face_matched"]
    assert _flags(faces_app, impostor) == ["face_mismatch"]
    organiser = faces_app.test_client()
    login(organiser, world.admin.username, world.admin.password)
    roster = organiser.get(f"/activities/{activity['id']}").get_data(as_text=True)
    assert "人脸不符" in roster and "人脸核验通过" in roster and "人脸核验中" not in roster


def test_a_check_in_without_a_photo_enrollment_or_clear_face_is_recorded_and_flagged(faces_app, checking):
    world, activity = checking
    no_photo, not_enrolled, unclear = world.learner("甲医生"), world.learner("乙医生"), world.learner("丙医生")
    assert enroll(faces_app, unclear, photos.astronaut()).status_code == 201
    _check_in(world, activity, no_photo)
    _check_in(world, activity, not_enrolled, photos.astronaut())
    _check_in(world, activity, unclear, photos.no_face())
    assert _flags(faces_app, no_photo) == ["no_face_photo"]
    assert _flags(faces_app, not_enrolled) == ["face_not_enrolled"]
    assert _flags(faces_app, unclear) == ["face_unclear"]


def test_with_the_plugin_off_sessions_have_no_face_check(app, users):
    """Asked for anyway through the API, the face check is not kept, shown or offered."""
    world = ActivityWorld(app, users)
    body = activity_body(app, sessions=1)
    body["sessions"][0]["face_check"] = True
    made = world.caller(world.admin).post("/api/v1/activities/", json=body)
    assert made.status_code == 201 and "face_check" not in made.json["sessions"][0]
    with app.app_context():
        assert db.session.scalar(select(ActivitySession.face_check)) is False
    organiser = app.test_client()
    login(organiser, world.admin.username, world.admin.password)
    form = organiser.get("/activities/new").get_data(as_text=True)
    assert "sessions-0-title" in form and "face_check" not in form and "人脸" not in form


def test_the_check_in_page_takes_the_photo_and_records_the_check_in(faces_app, checking):
    world, activity = checking
    learner = world.learner("郑医生")
    assert enroll(faces_app, learner, photos.astronaut()).status_code == 201
    phone = faces_app.test_client()
    login(phone, learner.username, learner.password)
    url = world.code(activity).removeprefix(faces_app.config["BASE_URL"])
    page = phone.get(url).get_data(as_text=True)
    assert 'id="face-check"' in page and "人脸核验" in page
    done = phone.post(url, data={"csrf_token": csrf_from(page), "lat": "30.2741", "lon": "120.1551", "accuracy": "20",
                                 "photo": (io.BytesIO(photos.jpeg(photos.hopper())), "me.jpg")})
    assert 'id="recorded"' in done.get_data(as_text=True)
    _jobs_done()
    assert _flags(faces_app, learner) == ["face_mismatch"]


def test_on_rq_the_queue_holds_the_check_in_photo_only_sealed(faces_app, checking, monkeypatch):
    from redis import Redis
    from rq import Queue

    world, activity = checking
    learner = world.learner("冯医生")
    queue_name = f"faces-test-{learner.id}-{threading.get_ident()}"
    monkeypatch.setitem(faces_app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setitem(faces_app.config, "RQ_QUEUE", queue_name)
    queue = Queue(queue_name, connection=Redis.from_url("redis://127.0.0.1:6379/15"))
    try:
        photo = photos.jpeg(photos.astronaut())
        body = {"url": world.code(activity), "lat": 30.2741, "lon": 120.1551, "accuracy": 20, "device": "phone-rq",
                "photo": base64.b64encode(photo).decode()}
        assert world.caller(learner).post("/api/v1/attendance/", json=body).status_code == 201
        [job] = queue.get_jobs()
        stored_bytes = job.connection.hget(job.key, "data")
        assert photo[:200] not in stored_bytes and photo[-200:] not in stored_bytes
        # The core's run_check, which runs the plugin's check with the check-in's id, its year and the sealed photo.
        assert job.args[0] == "portal.faces.services.run_check" and job.args[1:4] == (
            _attendance_id(faces_app, learner), START.year, learner.id)
        with faces_app.app_context():
            from portal_plugins.faces import _sealing

            assert _sealing.unseal_photo(faces_app.instance_path, job.args[4]) == photo
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)


def _attendance_id(app, learner) -> int:
    with app.app_context():
        return db.session.scalar(select(Attendance.id).where(Attendance.person_id == learner.id))


def _unopenable_enrollment(app, learner) -> None:
    """An enrollment whose sealed descriptor cannot be opened (sealed under a key since lost)."""
    assert enroll(app, learner, photos.astronaut()).status_code == 201
    with app.app_context():
        db.session.execute(update(FaceEnrollment).where(FaceEnrollment.person_id == learner.id)
                           .values(sealed=Fernet(Fernet.generate_key()).encrypt(b"\0" * 1024)))
        db.session.commit()


def test_a_check_that_fails_is_shown_failed_to_the_organiser_and_the_check_in_stands(faces_app, checking):
    world, activity = checking
    learner = world.learner("卫医生")
    _unopenable_enrollment(faces_app, learner)
    _check_in(world, activity, learner, photos.same_person_other_photo())
    assert _flags(faces_app, learner) == ["face_check_failed"]
    organiser = faces_app.test_client()
    login(organiser, world.admin.username, world.admin.password)
    roster = organiser.get(f"/activities/{activity['id']}").get_data(as_text=True)
    assert "卫医生" in roster and "人脸核验失败" in roster and "人工核对" in roster


def test_on_rq_a_check_that_fails_is_shown_failed(faces_app, checking, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from portal import worker

    world, activity = checking
    learner = world.learner("蒋医生")
    _unopenable_enrollment(faces_app, learner)
    queue = Queue(f"faces-fail-{uuid.uuid4().hex}", connection=Redis.from_url("redis://127.0.0.1:6379/15"))
    monkeypatch.setitem(faces_app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setitem(faces_app.config, "RQ_QUEUE", queue.name)
    monkeypatch.setattr(worker, "worker_app", lambda: faces_app)
    try:
        _check_in(world, activity, learner, photos.same_person_other_photo())
        assert _flags(faces_app, learner) == []  # queued: no worker has run it yet
        organiser = faces_app.test_client()
        login(organiser, world.admin.username, world.admin.password)
        assert "人脸核验中" in organiser.get(f"/activities/{activity['id']}").get_data(as_text=True)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert _flags(faces_app, learner) == ["face_check_failed"]
        roster = organiser.get(f"/activities/{activity['id']}").get_data(as_text=True)
        assert "人脸核验失败" in roster and "人脸核验中" not in roster
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)
