"""Attendance in the browser: the projector page shows a QR code that a phone can read and replaces
it when the server's window turns; a learner checks in on their phone from that code, by following
it and by 扫一扫 in the app reading the projector's code from Chromium's fake camera; the
organiser's phone reads a learner's 我的二维码 from the fake camera and records the check-in."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attendance
from tests.activity_world import START, ActivityWorld
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.pages import PHONE, fits_the_phone, shoot, sign_in
from tests.e2e.test_mobile_app_walk import sign_in_by_password

pytestmark = pytest.mark.e2e
PROJECTOR_FULL_HD = (1920, 1080)
LAPTOP = (1366, 768)


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _decoded(png: bytes) -> str:
    """What a phone reads from the screenshot (zbar, as the certificates' tests use)."""
    import subprocess

    found = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=png, capture_output=True, check=True)
    return found.stdout.decode().strip()


def test_the_projector_shows_a_readable_code_and_replaces_it_when_the_window_turns(app, world, new_page):
    activity = world.create()
    world.clock.at(START, -120)
    sid = activity["sessions"][0]["id"]
    for viewport in (PROJECTOR_FULL_HD, LAPTOP):
        page = new_page(viewport)
        sign_in(page, world.admin.username, world.admin.password)
        page.goto(f"/activities/{activity['id']}/sessions/{sid}/projector")
        qr = page.locator("#qr svg")
        expect(qr).to_be_visible()
        first = page.locator("#qr").get_attribute("data-url")
        assert first.startswith(app.config["BASE_URL"] + f"/a/{sid}/")
        assert _decoded(page.locator("#qr").screenshot()) == first
        box = qr.bounding_box()
        assert box["height"] > viewport[1] * 0.6  # readable from the back row
        shoot(page, "projector-check-in")
        world.clock.move(30)
        expect(page.locator("#qr")).not_to_have_attribute("data-url", first, timeout=8000)
        assert page.locator("#qr").get_attribute("data-url") != first
    page.goto(f"/activities/{activity['id']}/sessions/{sid}/projector?kind=check_out")
    expect(page.locator(".kind")).to_have_text("签退")


def test_a_learner_checks_in_on_their_phone_from_the_projectors_code(app, world, new_page):
    activity, learner = world.create(), world.learner()
    world.clock.at(START, -60)
    phone = new_page(PHONE)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 30.2742, "longitude": 120.1552, "accuracy": 15})
    sign_in(phone, learner.username, learner.password)
    phone.goto(world.code(activity).removeprefix(app.config["BASE_URL"]))
    expect(phone.get_by_role("button", name="确认考勤")).to_be_visible()
    fits_the_phone(phone)
    shoot(phone, "check-in-confirm")
    phone.get_by_role("button", name="确认考勤").click()
    expect(phone.locator("#recorded")).to_contain_text("签到成功")
    shoot(phone, "check-in-recorded")
    with app.app_context():
        row = db.session.scalar(select(Attendance).where(Attendance.person_id == learner.id))
        assert row.lat == pytest.approx(30.2742) and row.flags == [] and row.device
    phone.goto("/m/attendance/records")
    expect(phone.locator("[data-attendance]").first).to_contain_text("已签到")
    fits_the_phone(phone)
    shoot(phone, "attendance-records")
    phone.goto("/m/attendance")
    expect(phone.locator("[data-session]").first).to_contain_text("第1讲")
    fits_the_phone(phone)
    shoot(phone, "attendance-upcoming")
    phone.goto("/m/my-code")
    expect(phone.locator("#my-qr svg")).to_be_visible()
    fits_the_phone(phone)
    shoot(phone, "my-code")
    assert _decoded(phone.locator("#my-qr").screenshot()).startswith(f"CME1:{learner.id}:")


def _qr_picture(text: str) -> Image.Image:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=12, border=4)
    return Image.open(buffer)


def _y4m(picture: Image.Image, path) -> None:
    """A short video of ``picture`` (a QR code) on white for Chromium's fake camera (YUV 4:2:0)."""
    code = picture.convert("L")
    frame = Image.new("L", (640, 480), 255)
    code.thumbnail((440, 440))
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            f.write(b"FRAME\n" + y + chroma + chroma)


@pytest.fixture
def served_at_base_url(app, live_server):
    """The live server as PORTAL_BASE_URL, so the projector's codes lead to it (the app is the session's)."""
    before = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    yield live_server
    app.config["BASE_URL"] = before


def test_a_learner_taps_scan_in_the_app_at_the_projectors_code_and_is_checked_in(app, world, browser, new_page,
                                                                                 served_at_base_url, tmp_path):
    """The whole way on phones: the projector's QR code, as the organiser's page shows it, is played
    to the learner's camera; 扫一扫 in /m/ reads it, opens the check-in and records it."""
    activity, learner = world.create(sessions=1), world.learner()
    world.clock.at(START, -60)
    projector = new_page(PHONE)
    sign_in(projector, world.admin.username, world.admin.password)
    projector.goto(f"/activities/{activity['id']}/sessions/{activity['sessions'][0]['id']}/projector")
    expect(projector.locator("#qr svg")).to_be_visible()
    shown = projector.locator("#qr").get_attribute("data-url")
    picture = projector.locator("#qr").screenshot()
    assert _decoded(picture) == shown and shown.startswith(served_at_base_url + "/a/")
    video = tmp_path / "projector.y4m"
    _y4m(Image.open(io.BytesIO(picture)), video)
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera_browser.new_context(base_url=served_at_base_url, viewport={"width": PHONE[0], "height": PHONE[1]},
                                             locale="zh-CN", is_mobile=True, has_touch=True)
        context.grant_permissions(["camera", "geolocation"])
        context.set_geolocation({"latitude": 30.2742, "longitude": 120.1552, "accuracy": 15})
        phone = context.new_page()
        sign_in_by_password(phone, learner.username)
        phone.locator("#scan-open").click()
        phone.wait_for_url(shown)  # read by the camera and opened
        phone.get_by_role("button", name="确认考勤").click()
        expect(phone.locator("#recorded")).to_contain_text("签到成功")
        fits_the_phone(phone)
        shoot(phone, "app-scan-checked-in")
    finally:
        camera_browser.close()
    with app.app_context():
        row = db.session.scalar(select(Attendance).where(Attendance.person_id == learner.id))
        assert (row.kind, row.via, row.session_id) == ("check_in", "code", activity["sessions"][0]["id"])
        assert row.lat == pytest.approx(30.2742) and row.flags == [] and row.device


def test_the_organiser_scans_a_learners_code_with_the_phone_camera(app, world, browser, live_server, tmp_path):
    activity, learner = world.create(sessions=1), world.learner()
    world.clock.at(START, -60)
    code = world.caller(learner).get("/api/v1/me/code").json["code"]
    video = tmp_path / "my-code.y4m"
    _y4m(_qr_picture(code), video)
    args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                            f"--use-file-for-fake-video-capture={video}"]
    # A browser of its own: the fake camera is a launch option.
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    if True:
        try:
            context = camera_browser.new_context(base_url=live_server, viewport={"width": PHONE[0], "height": PHONE[1]},
                                          locale="zh-CN", is_mobile=True, has_touch=True)
            context.grant_permissions(["camera"])
            page = context.new_page()
            sign_in(page, world.admin.username, world.admin.password)
            page.goto(f"/activities/{activity['id']}/sessions/{activity['sessions'][0]['id']}/scan")
            fits_the_phone(page)
            page.get_by_role("button", name="打开摄像头").click()
            expect(page.locator("#scanned li")).to_contain_text("✔ 张医生", timeout=15000)
            shoot(page, "organiser-scanner")
        finally:
            camera_browser.close()
    with app.app_context():
        row = db.session.scalar(select(Attendance).where(Attendance.person_id == learner.id))
        assert row.via == "scan" and row.kind == "check_in"
        assert row.at == (START - dt.timedelta(seconds=60)).replace(tzinfo=None)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
def test_the_organisers_pages_on_a_desktop_and_a_phone(app, world, new_page, viewport):
    activity, learner = world.create(), world.learner()
    world.attend(learner, activity, 0)
    page = new_page(viewport)
    sign_in(page, world.admin.username, world.admin.password)
    page.goto("/activities/")
    expect(page.locator("table")).to_contain_text(activity["name"])
    shoot(page, "activities-list")
    page.goto("/activities/new")
    expect(page.locator("#name")).to_be_visible()
    shoot(page, "activity-form")
    page.goto(f"/activities/{activity['id']}")
    expect(page.locator("table[aria-describedby=roster]")).to_contain_text("张医生")
    expect(page.locator("table[aria-describedby=roster]")).to_contain_text("未达要求")
    shoot(page, "activity-roster")
    if viewport == PHONE:
        fits_the_phone(page)
