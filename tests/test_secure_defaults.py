"""Secure defaults (issue 17, item 11): security headers with a CSP nonce per response on every
page, no framing of the review page, no-store on personal pages and the API, Secure __Host-
cookies and HSTS when the portal is on https, trusted hosts from PORTAL_BASE_URL, rate limits
shared through Redis by every worker, a PDF renderer that fetches nothing, and 404 rather than
500 for ids beyond any integer and unknown sort columns."""
from __future__ import annotations

import http.server
import io
import re
import secrets
import subprocess
import threading

import pytest
from sqlalchemy import select

import config
from portal.extensions import db
from portal.models import CreditCategory
from portal_plugins.exporters._pdf import write_pdf
from tests.helpers import PASSWORD, api_token, free_port, login, make_test_app
from tests.test_review_pages import submitted


def dispose(other_app):
    with other_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def https_app(database_url, tmp_path):
    base = "https://cme.example.gov.cn"
    other = make_test_app(database_url, tmp_path / "instance", BASE_URL=base,
                          TRUSTED_HOSTS=config.trusted_hosts("", base))
    yield other
    dispose(other)


def test_every_page_carries_the_headers_and_its_scripts_the_responses_own_nonce(app, client, users):
    login_page = client.get("/login/")
    policy = login_page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", login_page.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "'unsafe-inline'" not in (
        policy.split("style-src-attr")[0])
    assert login_page.headers["X-Frame-Options"] == "DENY"
    assert login_page.headers["X-Content-Type-Options"] == "nosniff"
    assert login_page.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in login_page.headers  # plain http in development
    assert re.search(r"'nonce-([^']+)'", client.get("/login/").headers["Content-Security-Policy"]).group(1) != nonce


def test_the_review_decision_page_cannot_be_framed_nor_cached(app, client, users):
    unit = users.unit("330101")
    admin, learner = users.person(unit, role="unit_admin"), users.person(unit, self_entry=True)
    record_id, _ = submitted(app, learner, "学习班")
    login(client, admin.username, PASSWORD)
    page = client.get(f"/review/{record_id}")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert client.get("/profile/").headers["Cache-Control"] == "no-store"
    assert client.get(f"/api/v1/credits/{record_id}").headers["Cache-Control"] == "no-store"
    assert "no-store" not in (client.get("/static/portal.css").headers.get("Cache-Control") or "")


def test_on_https_cookies_are_secure_host_cookies_hsts_is_sent_and_other_hosts_are_refused(https_app, users):
    client = https_app.test_client()
    page = client.get("/login/", base_url="https://cme.example.gov.cn")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert client.get("/login/", base_url="https://evil.example").status_code == 400


def test_trusted_hosts_come_from_the_base_url_unless_listed():
    assert config.trusted_hosts("", "https://cme.example.gov.cn/") == ["cme.example.gov.cn"]
    assert config.trusted_hosts("a.example, b.example", "https://cme.example.gov.cn") == ["a.example", "b.example"]
    assert config.trusted_hosts("", "") is None


def test_two_workers_share_one_rate_limit_through_redis(database_url, tmp_path):
    """With Redis configured each worker counts into the same place: four workers do not give
    four times the limit."""
    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "VERIFY_RATE_LIMIT": "3 per minute",
              "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False}
    workers = [make_test_app(database_url, tmp_path / f"instance{n}", **shared) for n in (1, 2)]
    try:
        answers = [workers[n % 2].test_client().get("/verify/unknown-token").status_code for n in range(4)]
        assert answers == [404, 404, 404, 429]
    finally:
        for worker in workers:
            dispose(worker)


class _Recorder(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        _Recorder.asked.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_pdf_renderer_fetches_nothing_but_data_uris(tmp_path):
    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dot = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
           "AAAABJRU5ErkJggg==")
    html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/style.css"></head><body>'
            f'<img src="http://127.0.0.1:{port}/leak.png"><img src="file:///etc/hostname">'
            f'<img src="{dot}" style="width:20px"><p>证书</p></body></html>')
    out = io.BytesIO()
    try:
        write_pdf(html, out)
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.asked == []
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(out.getvalue())
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[2] for line in images.splitlines()[2:]].count("image") == 1  # the data: URI's


@pytest.mark.parametrize("url", ["/credits/99999999999999999999", "/credits/2147483648",
                                 "/api/v1/credits/99999999999999999999",
                                 "/review/?category_id=99999999999999999999",
                                 "/units/manage/list/?_oc_UnitModelView=password&_od_UnitModelView=asc",
                                 "/dictionaries/list/?_oc_DictionaryModelView=nonexistent"])
def test_numbers_beyond_any_id_and_unknown_sort_columns_are_404(app, client, users, url):
    users.person(users.unit("330101"), role="unit_admin")
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    assert client.get(url).status_code == 404
    with app.app_context():  # the database session is usable afterwards
        assert db.session.scalar(select(CreditCategory.id).limit(1)) is not None


def test_a_body_larger_than_any_form_takes_is_refused_before_it_is_read(app, client, users, monkeypatch):
    """An attacker's huge POST (to the login form, or the API) gets 413 in the reader's language;
    the default cap (60 MB) still fits an entry form with five 10 MB evidence files."""
    assert app.config["MAX_CONTENT_LENGTH"] == 60 * 1024 * 1024
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    body = b"x" * (1024 * 1024 + 1)
    page = client.post("/login/", data=body, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "太大" in page.get_data(as_text=True)
    learner = users.person(users.unit("330100001"), self_entry=True)
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), learner.username, PASSWORD)}"}
    api = app.test_client().post("/api/v1/credits/", data=body, content_type="application/json", headers=bearer)
    assert api.status_code == 413 and api.json["code"] == "request_entity_too_large"
