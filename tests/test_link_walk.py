"""Every link a role is shown answers: for the learner, the unit admin, the provincial admin and
the out-of-province learner, open each page of the menu, the record pages of seeded data, and
every URL those pages point to on our host (links, pictures, scripts, stylesheets). Any 4xx or
5xx is a broken page for that role; the Chinese pages carry no English sentence either."""
from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import EvidenceFile
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, login
from tests.test_credit_api import World, create, png, submitted
from tests.test_sms_login import VISITOR_ID, VISITOR_PHONE, last_code

# The phone app's pages (/m/), opened by each role beside the menu's.
APP_PAGES = ["/m/", "/m/profile", "/m/profile/edit", "/m/credits", "/m/credits?status=approved", "/m/compliance",
             "/m/certificates", "/m/offline"]
# Links that end the session or change the language: following them would stop the walk.
LEAVING = ("/logout", "/lang/")
# Words of two or more English words in a row outside code, e.g. "Not Found" or "Please enter".
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,})+\b")


class _Links(HTMLParser):
    """The URLs a page points to, and its visible text (scripts and styles left out)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.header: list[str] = []
        self.text: list[str] = []
        self._hidden = 0
        self._in_header = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("href") if tag in ("a", "link") else attrs.get("src") if tag in ("img", "script") else None
        if url:
            self.urls.append(url)
            if self._in_header:
                self.header.append(url)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "header":
            self._in_header += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag == "header":
            self._in_header -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _ours(base: str, url: str) -> str | None:
    """The path (with query) of a URL on our host that a GET may follow, else None."""
    url = urldefrag(urljoin(base, url.strip())).url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost" or not parts.path:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(LEAVING) else path


class Walker:
    def __init__(self, client):
        self.client = client
        self.seen: dict[str, int] = {}
        self.broken: list[str] = []
        self.english: list[str] = []

    def open(self, path: str, came_from: str, follow: bool = False) -> _Links | None:
        if path in self.seen:
            return None
        response = self.client.get(path)
        self.seen[path] = response.status_code
        if response.status_code >= 400:
            self.broken.append(f"{path} → {response.status_code} (linked from {came_from})")
            return None
        if response.status_code in (301, 302, 303, 307, 308):
            return self.open(_ours(f"http://localhost{path}", response.location), path) if follow else None
        if response.mimetype != "text/html":
            return None
        links = _Links()
        links.feed(response.get_data(as_text=True))
        for phrase in ENGLISH.findall(" ".join(" ".join(links.text).split())):
            self.english.append(f"{path}: {phrase!r}")
        return links

    def walk(self, starts: list[str]) -> None:
        """The home page's menu and ``starts``, then everything those pages point to."""
        home = self.open("/", "the address bar", follow=True)
        menu = [p for u in home.header if (p := _ours("http://localhost/", u))]
        for page in dict.fromkeys(["/", *menu, *starts]):
            links = home if page == "/" else self.open(page, "the menu")
            if links is None:
                continue
            for url in links.urls:
                if (path := _ours(f"http://localhost{page}", url)) is not None:
                    self.open(path, page)


def _png(size=(600, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(app, users):
    world = World(app, users)
    learner, admin, province = world["learner"], world["admin"], world["province"]
    draft = create(app, learner, world.unit, activity_name="草稿学习班")
    assert learner.upload(draft["id"], _png(), "证书.png").status_code == 201
    pending = create(app, learner, world.unit, activity_name="待审学习班", activity_date="2025-04-02")
    assert learner.upload(pending["id"], png(), "照片.png").status_code == 201
    assert learner.post(f"/api/v1/credits/{pending['id']}/submit").status_code == 200
    approved = submitted(app, learner, world.unit, activity_name="已通过学习班", activity_date="2025-05-06")
    assert admin.post(f"/api/v1/credits/{approved['id']}/review",
                      json={"decision": "approve", "version": approved["version"]}).status_code == 200
    rejected = submitted(app, learner, world.unit, activity_name="退回学习班", activity_date="2025-06-06")
    rejection = {"decision": "reject", "comment": "证书不清楚", "version": rejected["version"]}
    assert admin.post(f"/api/v1/credits/{rejected['id']}/review", json=rejection).status_code == 200
    visitor = users.person(world.unit, name="沪上来客", id_number=VISITOR_ID, mobile=VISITOR_PHONE, out_of_province=True)
    approved_record(app, visitor.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "2", "hours": "6"},
                    name="外省学习班", reviewer_username=province.made.username)
    return {"world": world, "records": [draft["id"], pending["id"], approved["id"], rejected["id"]], "admin": admin.made,
            "learner": learner.made, "province": province.made}


def _record_pages(app, records: list[int]) -> list[str]:
    with app.app_context():
        files = db.session.scalars(select(EvidenceFile.id).where(EvidenceFile.record_id.in_(records))).all()
    return [f"/credits/{r}" for r in records] + [f"/credits/evidence/{f}/thumbnail" for f in files]


@pytest.mark.parametrize("role", ["learner", "admin", "province"])
def test_every_page_a_role_is_shown_opens(app, world, role):
    client = app.test_client()
    assert login(client, world[role].username, PASSWORD).status_code == 302
    walker = Walker(client)
    starts = _record_pages(app, world["records"])
    if role == "learner":
        starts.append(f"/credits/{world['records'][0]}/edit")
    # The provincial admin is nobody's person: the app gives them the scanner only.
    walker.walk(starts + (["/m/", "/m/offline"] if role == "province" else APP_PAGES))
    assert len(walker.seen) > 20 and "/m/" in walker.seen, sorted(walker.seen)
    assert not walker.broken, "\n".join(walker.broken)
    assert not walker.english, "\n".join(walker.english)


def test_every_page_the_out_of_province_learner_is_shown_opens(app, world):
    client = app.test_client()
    token = csrf_from(client.get("/login/sms/").get_data(as_text=True))
    form = {"csrf_token": token, "id_number": VISITOR_ID, "phone": VISITOR_PHONE}
    client.post("/login/sms/", data={**form, "action": "send", "code": ""})
    signed_in = client.post("/login/sms/", data={**form, "action": "login", "code": last_code(app, VISITOR_PHONE)})
    assert signed_in.status_code == 302
    walker = Walker(client)
    walker.walk(["/out-of-province/", "/m/", "/m/profile", "/m/certificates", "/m/offline"])
    assert {"/out-of-province/", "/m/", "/m/certificates"} <= set(walker.seen) and len(walker.seen) > 5, sorted(walker.seen)
    assert not walker.broken, "\n".join(walker.broken)
    assert not walker.english, "\n".join(walker.english)


def test_the_thumbnail_of_a_stored_png_is_a_picture(app, world):
    """The thumbnail opens as an image (a JPEG, smaller than the PNG it shows) for its owner."""
    client = app.test_client()
    login(client, world["learner"].username, PASSWORD)
    with app.app_context():
        file_id = db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.record_id == world["records"][0]))
    response = client.get(f"/credits/evidence/{file_id}/thumbnail")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(response.data))
    assert picture.format == "JPEG" and max(picture.size) < 600
