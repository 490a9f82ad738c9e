"""One image-decoding guard for every upload (issue 17, item 4): a small file that declares a
huge picture is refused before a pixel is decoded, on the profile photo path as on the
evidence path, with a Chinese message and nothing stored."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.images import ImageRefused, Refusal, decode
from portal.models import EvidenceFile, Person
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login
from tests.test_credit_pages import post_free_form
from tests.test_evidence import png_header


def photo_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "photos"
    return [p for p in folder.iterdir() if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize("width, height", [(30000, 30000), (8000, 7000)])
def test_a_tiny_png_declaring_a_huge_picture_is_refused_as_a_photo_and_nothing_is_stored(app, client, users,
                                                                                         width, height):
    # 900 million pixels (Pillow's own bomb limit) and 56 million (only the photo cap stops it).
    learner = users.person(users.unit("330101"), self_entry=True)
    login(client, learner.username, PASSWORD)
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    bomb = png_header(width, height)
    assert len(bomb) < 200
    before = photo_files(app)
    page = client.post("/profile/", content_type="multipart/form-data",
                       data={"csrf_token": token, "mobile": "", "photo": (io.BytesIO(bomb), "头像.png")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "照片像素过多：最多 50 百万像素" in html
    assert photo_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(Person.photo).where(Person.id == learner.id)) in (None, "")


def test_a_real_photo_still_passes_and_is_stored_small(app, client, users):
    learner = users.person(users.unit("330101"), self_entry=True)
    login(client, learner.username, PASSWORD)
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "green").save(out, "JPEG")
    page = client.post("/profile/", content_type="multipart/form-data",
                       data={"csrf_token": token, "mobile": "", "photo": (io.BytesIO(out.getvalue()), "头像.jpg")})
    assert page.status_code == 302
    with app.app_context():
        stored = Path(app.instance_path) / "photos" / db.session.scalar(select(Person.photo).where(Person.id == learner.id))
    with Image.open(stored) as image:
        assert image.format == "JPEG" and max(image.size) == 800


def test_a_gif_or_damaged_photo_is_refused_in_chinese(app, client, users):
    learner = users.person(users.unit("330101"), self_entry=True)
    login(client, learner.username, PASSWORD)
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, "GIF")
    before = photo_files(app)
    for data, message in ((gif.getvalue(), "照片必须是 JPG 或 PNG 图片"),
                          (png_header(40, 40)[:-20] + b"\x00" * 8, "照片已损坏或不完整")):
        page = client.post("/profile/", content_type="multipart/form-data",
                           data={"csrf_token": token, "mobile": "", "photo": (io.BytesIO(data), "头像.png")})
        assert message in page.get_data(as_text=True)
    assert photo_files(app) == before


def test_the_same_bomb_is_refused_as_evidence(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    login(client, learner.username, PASSWORD)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    page = post_free_form(client, token, unit, evidence=("证书.png", png_header(30000, 30000)))
    assert "图片尺寸过大" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(EvidenceFile.id)) is None


def test_the_guard_names_why_it_refused():
    with pytest.raises(ImageRefused) as caught:
        decode(png_header(8000, 7000), ("PNG",), max_pixels=50_000_000)
    assert caught.value.reason == Refusal.PIXELS
    with pytest.raises(ImageRefused) as caught:
        decode(png_header(10, 10), ("JPEG",))
    assert caught.value.reason == Refusal.FORMAT
