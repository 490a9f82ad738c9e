"""医教管理 (/m/) in Chromium on a phone (375×812): a learner signs in by a code sent to their
phone (read from the log sender's outbox), walks every app page without sideways scroll or a CSP
violation; the installed shell shows the offline page once the network is gone; 扫一扫 reads a real
QR code played to the camera by Chromium's fake capture device and opens it when it is ours,
refuses a foreign one, and says what to do when there is no camera. Screenshots at 375 and 1366."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
import segno
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone
from tests.e2e.pages import shoot as shoot_page
from tests.e2e.test_csp import watch
from tests.helpers import CAPTCHA, PASSWORD, approved_record, id_number

pytestmark = pytest.mark.e2e

MOBILE = "13912345678"
CREDITS_2025 = "/m/credits?from=2025-01-01&to=2025-12-31"  # the learner's records; no dates is this year
APP_PAGES = ("/m/profile", "/m/profile/edit", CREDITS_2025, "/m/compliance?year=2025", "/m/certificates")


@pytest.fixture
def learner(app, users):
    users.province_admin()
    unit = users.unit("330101", name="杭州市第一人民医院")
    me = users.person(unit, name="王小明", mobile=MOBILE, id_number=id_number(seq=401), department="急诊科", title="主治医师")
    for n, name in enumerate(("全省急危重症护理新进展学习班", "国家级麻醉学继续教育项目")):
        approved_record(app, me.id, "非向导录入", dt.date(2025, 4 + n, 8), {"credits": str(3 + n), "hours": str(9 + 3 * n)},
                        name=name)
    return me


def _outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def fits(page: Page) -> None:
    """No sideways scroll, measured against the width the window was given too (a phone's browser
    may widen its layout viewport to fit what is too wide)."""
    fits_the_phone(page)
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, page.url


def shoot(page: Page, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")  # the bar sticks to the top: a scrolled full-page shot repeats it
    shoot_page(page, name)


def sign_in_by_password(page: Page, username: str) -> None:
    page.goto("/m/login?method=password")
    page.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#captcha", CAPTCHA)
    with page.expect_navigation():
        page.locator("#password-sign-in").click()
    expect(page).to_have_url(re.compile(r"/m/$"))


def test_a_learner_signs_in_to_the_app_by_sms_code_and_opens_every_page(app, learner, new_page):
    page = new_page(PHONE)
    violations = watch(page)
    page.goto(CREDITS_2025)
    expect(page).to_have_url(re.compile(r"/m/login\?next="))
    fits(page)
    shoot(page, "app-sign-in")
    page.fill("#phone", MOBILE)
    before = len(_outbox(app))
    with page.expect_navigation():
        page.locator("#send-code").click()
    expect(page.locator("#sms-notice")).to_be_visible()
    expect(page.locator("#send-code")).to_be_disabled()  # counting down to the next code
    expect(page.locator("#phone")).to_have_value(MOBILE)
    shoot(page, "app-sign-in-code-sent")
    (message,) = _outbox(app)[before:]
    assert message["phone"] == MOBILE and "医教管理" in message["text"]
    page.fill("#code", re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]).group(0))
    with page.expect_navigation():
        page.locator("#sms-sign-in").click()
    expect(page).to_have_url(re.compile(re.escape(CREDITS_2025) + "$"))  # back where they were sent from
    expect(page.locator(".record-count")).to_have_text("共2条记录")
    fits(page)
    shoot(page, "app-credits")

    page.goto("/m/")
    expect(page.locator("#scan-open")).to_contain_text("扫一扫")
    expect(page.locator(".m-tile")).to_have_count(7)
    box = page.locator("#scan-open").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44 and box["x"] > 375 / 2  # top right, big enough for a thumb
    for tile in page.locator(".m-tile").all():
        assert tile.bounding_box()["height"] >= 44
    fits(page)
    shoot(page, "app-home")
    for path in APP_PAGES:
        page.goto(path)
        fits(page)
        shoot(page, "app" + path.split("?")[0].replace("/m", "").replace("/", "-"))
    for path, name in (("/m/attendance", "app-attendance"), ("/m/attendance/records", "app-attendance-records"),
                       ("/m/my-code", "app-my-code")):  # the activities' pages its grid leads to
        page.goto(path)
        fits(page)
        shoot(page, name)
    page.wait_for_load_state("networkidle")
    assert violations == []

    for width in (320, 430):  # the narrowest and widest phones
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/m/", "/m/credits", "/m/profile"):
            page.goto(path)
            fits(page)

    desk = new_page(DESKTOP)
    sign_in_by_password(desk, learner.username)
    shoot(desk, "app-home")
    desk.goto("/m/certificates")
    shoot(desk, "app-certificates")


def test_the_installed_apps_shell_loads_offline(app, learner, new_page):
    page = new_page(PHONE)
    page.goto("/m/login?method=password")
    page.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    fits(page)
    shoot(page, "app-sign-in-password")
    sign_in_by_password(page, learner.username)
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cached = page.evaluate("""async () => {
        const names = (await caches.keys()).filter(n => n.startsWith('cme-app-shell-'));
        const urls = [];
        for (const name of names) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
        return {names, urls};
    }""")
    assert len(cached["names"]) == 1 and "/m/offline" in cached["urls"] and "/static/mobile/app.css" in cached["urls"]
    assert not [u for u in cached["urls"] if u in ("/m/", "/m/profile", "/m/credits") or u.startswith("/api/")]

    page.context.set_offline(True)
    page.goto("/m/credits")
    expect(page.locator("#offline")).to_contain_text("离线提示")
    expect(page.locator("#offline")).to_contain_text("网络")
    # The shell's style sheet came from the cache: the app's bar has its colour.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.m-bar')).backgroundColor") == "rgb(11, 110, 105)"
    assert "王小明" not in page.content()
    fits(page)
    shoot(page, "app-offline")
    page.context.set_offline(False)
    page.goto(CREDITS_2025)
    expect(page.locator(".record-count")).to_have_text("共2条记录")


def _video_of_a_qr_code(text: str, path: Path, width: int = 640, height: int = 480, frames: int = 15) -> Path:
    """A Y4M video (4:2:0) of a still QR code of ``text`` on white, for Chromium's fake camera."""
    picture = io.BytesIO()
    segno.make(text, error="m").save(picture, kind="png", scale=8, border=4)
    qr = Image.open(picture).convert("L")
    side = min(height - 40, qr.width)
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr.resize((side, side), Image.NEAREST), ((width - side) // 2, (height - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera_playing(browser, live_server, tmp_path):
    """Factory: a phone page in a second Chromium whose camera plays a QR code of ``text``; with
    ``allowed`` False, the person refuses the page the camera."""
    launched = []

    def open_page(text: str, allowed: bool = True) -> Page:
        video = _video_of_a_qr_code(text, tmp_path / f"qr-{len(launched)}.y4m")
        asked = ["--use-fake-ui-for-media-stream"] if allowed else []
        filming = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", *asked, f"--use-file-for-fake-video-capture={video}"])
        launched.append(filming)
        context = filming.new_context(base_url=live_server, viewport={"width": PHONE[0], "height": PHONE[1]},
                                      locale="zh-CN", device_scale_factor=1, is_mobile=True, has_touch=True)
        if allowed:
            context.grant_permissions(["camera"])
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    yield open_page
    for filming in launched:
        filming.close()


def test_scan_reads_a_qr_code_from_the_camera_and_opens_it_when_it_is_ours(app, learner, live_server, camera_playing):
    target = f"{live_server}{CREDITS_2025}&status=approved"
    page = camera_playing(target)
    sign_in_by_password(page, learner.username)
    page.locator("#scan-open").click()
    page.wait_for_url(target)  # read by the camera and opened
    expect(page.locator(".record-count")).to_have_text("共2条记录")
    expect(page.locator("#status option:checked")).to_have_text("审核通过")


def test_scan_refuses_a_foreign_qr_code(app, learner, camera_playing):
    page = camera_playing("https://evil.example/m/credits")
    sign_in_by_password(page, learner.username)
    page.locator("#scan-open").click()
    expect(page.locator("#scan-status")).to_contain_text("不是本平台的二维码", timeout=15_000)
    expect(page.locator("#scan-status")).to_contain_text("evil.example")
    expect(page).to_have_url(re.compile(r"/m/$"))
    shoot(page, "app-scan-refused")


def test_without_a_camera_the_app_says_what_to_do(app, learner, new_page):
    page = new_page(PHONE)
    sign_in_by_password(page, learner.username)
    page.locator("#scan-open").click()
    expect(page.locator("#scan-status")).to_contain_text("微信")
    expect(page.locator("#scan-status")).to_have_class(re.compile("m-note-error"))
    fits(page)
    shoot(page, "app-scan-no-camera")


def test_a_refused_camera_is_explained(app, learner, camera_playing, live_server):
    page = camera_playing(f"{live_server}/m/credits", allowed=False)
    sign_in_by_password(page, learner.username)
    page.locator("#scan-open").click()
    expect(page.locator("#scan-status")).to_contain_text("权限被拒绝")
    expect(page.locator("#scan-status")).to_contain_text("微信")
    expect(page).to_have_url(re.compile(r"/m/$"))
    shoot(page, "app-scan-camera-refused")
