"""人脸建档 in the phone app at 375 px, with Chromium's fake camera showing a real face photo
(scikit-image's astronaut, tests/face_photos.py): consent, camera, enrolled; then withdrawn."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import FaceEnrollment
from tests import face_photos as photos
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _QuietHandler
from tests.e2e.pages import PHONE, fits_the_phone, shoot, sign_in
from tests.helpers import TestUsers

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
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (W // 2, H // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            f.write(b"FRAME\n" + planes)


def test_a_learner_enrolls_their_face_with_the_phone_camera_and_withdraws(faces_app, faces_server, browser, tmp_path):
    users = TestUsers(faces_app)
    learner = users.person(users.unit("E1"), name="周医生")
    video = tmp_path / "face.y4m"
    face_video(video)
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera_browser.new_context(base_url=faces_server, viewport={"width": PHONE[0], "height": PHONE[1]},
                                             locale="zh-CN", is_mobile=True, has_touch=True)
        context.grant_permissions(["camera"])
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
