"""The captcha at first contact: drawing a picture (or reading it aloud) writes nothing to the
database; the answer is checked once, a replayed session cookie cannot answer again; the picture
and the sound have a per-IP limit; the picture is drawn with the readable options, dark on light."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaptchaChallenge
from tests.conftest import csrf_from
from tests.helpers import CAPTCHA, PASSWORD, make_test_app


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaptchaChallenge))


def test_pictures_and_sounds_write_nothing(app, client):
    before = _rows(app)
    for _ in range(5):
        assert client.get("/login/captcha.png").status_code == 200
    assert client.get("/login/captcha.wav").status_code == 200
    assert _rows(app) == before


def test_a_challenge_answers_one_check_even_when_its_cookie_is_replayed(app, users):
    made = users.person(users.unit("330101"))
    client = app.test_client()
    token = csrf_from(client.get("/login/").get_data(as_text=True))
    client.get("/login/captcha.png")
    saved_cookie = client.get_cookie("session").value
    form = {"csrf_token": token, "username": made.username, "password": PASSWORD, "captcha": CAPTCHA}
    assert client.post("/login/", data=form).status_code == 302
    assert _rows(app) == 1  # the answered challenge, recorded as used
    replay = app.test_client()
    replay.set_cookie("session", saved_cookie)
    answer = replay.post("/login/", data=form)
    assert answer.status_code == 200 and "验证码" in answer.get_data(as_text=True)  # refused, not signed in


def test_the_captcha_has_its_own_per_ip_limit(database_url, tmp_path):
    limited = make_test_app(database_url, tmp_path / "instance", CAPTCHA_RATE_LIMIT="3 per minute").test_client()
    codes = [limited.get("/login/captcha.png").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert limited.get("/login/").status_code == 200  # the login page itself is not limited by it


def test_the_picture_is_dark_ink_on_light_paper(app):
    from portal.accounts.captcha import INK, PAPER, ReadableCaptcha

    with app.test_request_context():
        picture = Image.open(io.BytesIO(ReadableCaptcha().generate("K7PX", bg_color=PAPER, fg_color=INK).getvalue()))
    grey = picture.convert("L")
    dark = sum(1 for value in grey.getdata() if value < 100)
    light = sum(1 for value in grey.getdata() if value > 200)
    assert picture.size == (160, 60)
    assert dark > 0.08 * 160 * 60 and light > 0.5 * 160 * 60  # large dark characters on a light ground
    assert ReadableCaptcha.character_rotate == (-12, 12) and ReadableCaptcha.word_offset_dx == 0.0
