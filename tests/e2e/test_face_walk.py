"""人脸建档 in the phone app at 375 px, with Chromium's fake camera showing a real face photo
(scikit-image's astronaut, tests/face_photos.py): consent, camera, enrolled; then withdrawn. And the
face check at check-in: 扫一扫 reads a session's check-in code, and the camera's frame of that scan
goes with the check-in to be compared with the learner's enrollment."""
from __future__ import annotations

import io
import threading

import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Attendance, FaceEnrollment
from tests import face_photos as photos
from tests.activity_world import START, ActivityWorld, activity_body
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _QuietHandler
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import TestUsers
from tests.test_faces import enroll

W, H = 640, 480


@pytest.fixture
def faces_server(faces_app):
    server = make_server("127.0.0.1", 0, faces_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-faces-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def face_video(path) -> None:
    """A short video (YUV 4:2:0) of the astronaut's photo for Chromium's fake camera."""
    frame = photos.astronaut().resize((H, H)).crop((0, 0, H, H))
    canvas = photos.Image.new("RGB", (W, H), (90, 90, 90))
    canvas.paste(frame, ((W - H) // 2, 0))
    _y4m(canvas, path)


def _y4m(canvas, path) -> None:
    width, height = canvas.size
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            f.write(b"FRAME\n" + planes)


def check_in_video(url: str, path) -> None:
    """A video of the session's check-in QR code (left) beside the learner's face (right)."""
    picture = io.BytesIO()
    segno.make(url, error="m").save(picture, kind="png", scale=8, border=4)
    canvas = photos.Image.new("RGB", (960, 540), (255, 255, 255))
    canvas.paste(photos.Image.open(picture).convert("RGB").resize((420, 420), photos.Image.NEAREST), (0, 60))
    canvas.paste(photos.astronaut().crop((100, 0, 420, 320)).resize((540, 540)), (420, 0))  # her head and shoulders
    _y4m(canvas, path)


def camera_phone(browser, server, video):
    """A second Chromium whose camera plays ``video``, and a phone-sized context in it."""
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    context = camera_browser.new_context(base_url=server, viewport={"width": PHONE[0], "height": PHONE[1]},
                                         locale="zh-CN", is_mobile=True, has_touch=True)
    context.grant_permissions(["camera"])
    return camera_browser, context


def test_a_learner_enrolls_their_face_with_the_phone_camera_and_withdraws(faces_app, faces_server, browser, tmp_path):
    users = TestUsers(faces_app)
    learner = users.person(users.unit("E1"), name="周医生")
    video = tmp_path / "face.y4m"
    face_video(video)
    camera_browser, context = camera_phone(browser, faces_server, video)
    try:
        page = context.new_page()
        sign_in(page, learner.username, learner.password)
        page.goto("/m/")
        page.get_by_role("link", name="人脸建档").click()
        expect(page.locator("#consent-text")).to_contain_text("照片本身读取后即丢弃")
        expect(page.locator("#preview")).to_be_visible()
        page.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
        fits_the_phone(page)
        shoot(page, "face-consent")
        page.get_by_role("button", name="拍照并建档").click()
        expect(page.locator("#consent")).to_be_focused()  # nothing is sent before the consent is given
        page.get_by_label("我已阅读以上内容，同意进行人脸建档").check()
        with page.expect_navigation():
            page.get_by_role("button", name="拍照并建档").click()
        expect(page.locator("#enrolled")).to_contain_text("您已完成人脸建档")
        fits_the_phone(page)
        shoot(page, "face-enrolled")
        with faces_app.app_context():
            assert db.session.scalar(select(FaceEnrollment).where(FaceEnrollment.person_id == learner.id)) is not None
        with page.expect_navigation():
            page.get_by_role("button", name="撤回同意并删除我的人脸数据").click()
        expect(page.locator("#consent-text")).to_be_visible()
        with faces_app.app_context():
            assert db.session.scalar(select(FaceEnrollment).where(FaceEnrollment.person_id == learner.id)) is None
    finally:
        camera_browser.close()


def test_the_check_in_sends_the_camera_frame_of_the_scan_and_the_face_check_matches(faces_app, faces_server, browser,
                                                                                      tmp_path):
    world = ActivityWorld(faces_app, TestUsers(faces_app))
    body = activity_body(faces_app, sessions=1)
    body["sessions"][0]["face_check"] = True
    activity = world.caller(world.admin).post("/api/v1/activities/", json=body).json
    learner = world.learner("周医生")
    assert enroll(faces_app, learner, photos.astronaut()).status_code == 201  # enrolled before, with the same face
    world.clock.at(START, -300)
    video = tmp_path / "check-in.y4m"
    check_in_video(faces_server + world.code(activity).removeprefix(faces_app.config["BASE_URL"]), video)
    camera_browser, context = camera_phone(browser, faces_server, video)
    try:
        context.grant_permissions(["camera", "geolocation"])
        context.set_geolocation({"latitude": 30.2741, "longitude": 120.1551, "accuracy": 20})
        page = context.new_page()
        sign_in(page, learner.username, learner.password)
        page.goto("/m/")
        page.locator("#scan-open").click()
        page.wait_for_url("**/a/**", timeout=20_000)  # the code read by the camera and opened
        expect(page.locator("#camera-frame-image")).to_be_visible()
        expect(page.locator("#photo-picker")).to_be_hidden()
        assert page.evaluate("() => document.getElementById('photo').files[0].type") == "image/jpeg"
        assert page.evaluate("() => sessionStorage.length") == 0  # the frame is not kept past this page
        fits_the_phone(page)
        shoot(page, "check-in-face-frame")
        page.get_by_role("button", name="确认考勤").click()
        expect(page.locator("#recorded")).to_contain_text("签到成功")
        shoot(page, "check-in-face-recorded")
    finally:
        camera_browser.close()
        faces_app.extensions.pop("portal.clock", None)
    for thread in threading.enumerate():  # the face check runs in a background thread of the server
        if thread.name.startswith("background "):
            thread.join(timeout=60)
    with faces_app.app_context():
        row = db.session.scalar(select(Attendance).where(Attendance.person_id == learner.id))
        # A photo came (else "no_face_photo") and the check found the enrolled face in it.
        assert row.kind == "check_in" and row.flags == ["face_matched"]
    # The organiser's roster says the check passed (not merely that nothing is wrong yet).
    for width, height in (DESKTOP, PHONE):
        organiser = browser.new_context(base_url=faces_server, viewport={"width": width, "height": height}).new_page()
        sign_in(organiser, world.admin.username, world.admin.password)
        organiser.goto(f"/activities/{activity['id']}")
        expect(organiser.locator("body")).to_contain_text("人脸核验通过")
        expect(organiser.locator("body")).not_to_contain_text("人脸核验中")
        shoot(organiser, "activity-roster-face-matched")
        organiser.context.close()
