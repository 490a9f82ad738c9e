"""The phone app (/m/) for a learner and from an attacker's side: its pages show the learner's own
data only (another learner's is out of reach whatever the address says), the ID number and phones
masked; sign-in by password (captcha and throttle as on the portal) or by a code sent to the
mobile number on record (the same answer for any number, codes that work once, the portal's
limits); back to the page the learner came from, never off-site; the installable shell."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Person, SmsCode
from tests.conftest import csrf_from
from tests.helpers import CAPTCHA, PASSWORD, approved_record, id_number, login

PHONE = "13912340001"
OTHER_PHONE = "13912340002"
SHARED_PHONE = "13912340009"
STRANGER_PHONE = "13712349999"


def outbox(app) -> list[dict]:
    path = Path(app.instance_path) / "sms_outbox.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def code_in(message: dict) -> str:
    return re.search(r"(?<!\d)\d{6}(?!\d)", message["text"]).group(0)


def ask_code(client, phone: str):
    token = csrf_from(client.get("/m/login").get_data(as_text=True))
    return client.post("/m/login", data={"csrf_token": token, "method": "sms", "action": "send", "phone": phone, "code": ""})


def sign_in_by_code(client, phone: str, code: str, next_url: str = ""):
    token = csrf_from(client.get("/m/login").get_data(as_text=True))
    return client.post("/m/login", data={"csrf_token": token, "method": "sms", "action": "sign_in", "phone": phone,
                                         "code": code, "next": next_url})


def sign_in_by_password(client, username: str, password: str = PASSWORD, captcha: str = CAPTCHA):
    token = csrf_from(client.get("/m/login?method=password").get_data(as_text=True))
    client.get("/login/captcha.png")
    return client.post("/m/login", data={"csrf_token": token, "method": "password", "username": username,
                                         "password": password, "captcha": captcha})


@pytest.fixture
def two(app, users):
    users.province_admin()
    unit = users.unit("330101", name="杭州市第一人民医院")
    me = users.person(unit, name="王小明", mobile=PHONE, id_number=id_number(seq=301), email="me@example.com")
    other = users.person(unit, name="李四海", mobile=OTHER_PHONE, id_number=id_number(seq=302))
    mine = approved_record(app, me.id, "非向导录入", dt.date(2025, 5, 6), {"credits": "3", "hours": "9"},
                           name="我的急救学习班")
    theirs = approved_record(app, other.id, "非向导录入", dt.date(2025, 5, 7), {"credits": "4", "hours": "12"},
                             name="别人的学习班")
    return {"me": me, "other": other, "mine": mine, "theirs": theirs, "unit": unit}


def test_each_app_page_opens_for_a_learner_with_their_own_data_masked(app, two):
    client = app.test_client()
    assert sign_in_by_password(client, two["me"].username).status_code == 302
    home = client.get("/m/").get_data(as_text=True)
    assert "扫一扫" in home and "学员入口" in home and "王小明" in home
    for label in ("个人资料", "学分情况查询", "达标情况查询", "我的证书"):
        assert label in home
    assert 'rel="manifest"' in home
    profile = client.get("/m/profile").get_data(as_text=True)
    number = two["me"].id_number
    assert number not in profile and f"{number[:3]}" in profile and number[-4:] in profile
    assert PHONE not in profile and "139****0001" in profile
    credits = client.get("/m/credits?from=2025-01-01&to=2025-12-31&status=approved").get_data(as_text=True)
    assert "我的急救学习班" in credits and "别人的学习班" not in credits and "3.00" in credits and "9.0" in credits
    assert "共1条记录" in credits
    assert "审核通过" in client.get("/m/credits?from=2025-01-01&status=approved").get_data(as_text=True)
    assert "我的急救学习班" not in client.get("/m/credits?from=2025-01-01&to=2025-12-31&status=rejected").get_data(as_text=True)
    assert "起始日期" in client.get("/m/credits?from=2025-13-01").get_data(as_text=True)  # said in words, not a 500
    compliance = client.get("/m/compliance?year=2025").get_data(as_text=True)
    assert "2025" in compliance and "data-progress" in compliance
    certificates = client.get("/m/certificates").get_data(as_text=True)
    assert "我的急救学习班" in certificates and "别人的学习班" not in certificates


def test_another_learners_data_is_out_of_reach(app, two):
    client = app.test_client()
    sign_in_by_password(client, two["me"].username)
    other = two["other"].id
    # A person_id in the address is not read: the page is still one's own.
    page = client.get(f"/m/credits?person_id={other}&from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert "别人的学习班" not in page and "我的急救学习班" in page
    assert "别人的学习班" not in client.get(f"/m/certificates?person_id={other}").get_data(as_text=True)
    # Their certificate, issued by them, cannot be downloaded from this account.
    theirs = app.test_client()
    sign_in_by_password(theirs, two["other"].username)
    token = csrf_from(theirs.get("/m/certificates").get_data(as_text=True))
    issued = theirs.post("/certificates/issue", data={"csrf_token": token, "record_id": str(two["theirs"]),
                                                      "download": "pdf"})
    number = re.search(r"numbers=([\w-]+)", issued.location).group(1)
    assert theirs.get(f"/certificates/{number}.pdf").status_code == 200
    assert client.get(f"/certificates/{number}.pdf").status_code == 404
    assert number not in client.get("/m/certificates").get_data(as_text=True)


def test_a_learner_issues_and_downloads_their_certificate_from_the_app(app, two):
    client = app.test_client()
    sign_in_by_password(client, two["me"].username)
    token = csrf_from(client.get("/m/certificates").get_data(as_text=True))
    issued = client.post("/certificates/issue", data={"csrf_token": token, "record_id": str(two["mine"]), "download": "pdf"})
    pdf = client.get(issued.location)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    page = client.get("/m/certificates").get_data(as_text=True)
    number = re.search(r"numbers=([\w-]+)", issued.location).group(1)
    assert number in page and f"/certificates/{number}.pdf" in page
    # Beside the PDF, the certificate as a verifiable credential (issue 19).
    assert f"/certificates/{number}.credential.json" in page
    credential = client.get(f"/certificates/{number}.credential.json")
    assert credential.status_code == 200 and json.loads(credential.data)["credential"]["credentialSubject"]
    # Nothing ticked: back to the app's page with a word of advice, not off to the portal's.
    nothing = client.post("/certificates/issue", data={"csrf_token": token, "next": "/m/certificates"})
    assert nothing.location.endswith("/m/certificates")


def test_a_wrong_code_in_the_app_is_audited_against_its_account(app, two):
    client = app.test_client()
    ask_code(client, PHONE)
    code = code_in(outbox(app)[-1])
    sign_in_by_code(client, PHONE, f"{(int(code) + 1) % 10 ** 6:06d}")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in_failed"))
        assert entry.target_user_id == db.session.get(Person, two["me"].id).user_id
        assert entry.after == {"reason": "sms_code"}


def test_the_learner_edits_only_what_a_learner_may(app, two):
    client = app.test_client()
    sign_in_by_password(client, two["me"].username)
    token = csrf_from(client.get("/m/profile/edit").get_data(as_text=True))
    saved = client.post("/m/profile/edit", data={"csrf_token": token, "mobile": "13912340077", "email": "new@example.com",
                                                 "phone": "", "ethnicity": "汉族", "ic_card_no": "",
                                                 "name": "冒名", "id_number": id_number(seq=399)})
    assert saved.status_code == 302 and saved.location.endswith("/m/profile")
    with app.app_context():
        person = db.session.get(Person, two["me"].id)
        assert (person.email, person.mobile, person.ethnicity) == ("new@example.com", "13912340077", "汉族")
        assert (person.name, person.id_number) == ("王小明", two["me"].id_number)
    bad = client.post("/m/profile/edit", data={"csrf_token": token, "mobile": "12345", "email": "x"})
    assert bad.status_code == 200 and "11" in bad.get_data(as_text=True)
    # Without the form's CSRF token nothing is saved.
    assert client.post("/m/profile/edit", data={"email": "evil@example.com"}).status_code == 400


def test_a_visitor_signs_in_on_the_apps_page_and_comes_back_but_never_goes_off_site(app, two):
    client = app.test_client()
    wanted = "/m/credits?status=approved&from=2025-01-01&to=2025-12-31"
    asked = client.get(wanted)
    assert asked.status_code == 302 and "/m/login?next=" in asked.location
    assert "/m/credits?status%3Dapproved" in asked.location or "/m/credits%3Fstatus%3Dapproved" in asked.location
    before = len(outbox(app))
    assert "如手机号码属于某位学员" in ask_code(client, PHONE).get_data(as_text=True)
    code = code_in(outbox(app)[before])
    back = sign_in_by_code(client, PHONE, code, next_url=wanted)
    assert back.status_code == 302 and back.location.endswith(wanted)
    assert "我的急救学习班" in client.get(back.location).get_data(as_text=True)

    for foreign in ("https://evil.example/m/", "//evil.example/m/", "/\\evil.example"):
        browser = app.test_client()
        ask = len(outbox(app))
        with app.app_context():  # the one-a-minute limit: an earlier code makes room
            db.session.query(SmsCode).delete()
            db.session.commit()
        ask_code(browser, PHONE)
        landed = sign_in_by_code(browser, PHONE, code_in(outbox(app)[ask]), next_url=foreign)
        assert landed.status_code == 302 and landed.location in ("/m/", "http://localhost/m/"), landed.location


def test_a_code_goes_only_to_the_number_on_record_and_works_once(app, two, users):
    users.person(two["unit"], name="共用甲", mobile=SHARED_PHONE, id_number=id_number(seq=311))
    users.person(two["unit"], name="共用乙", mobile=SHARED_PHONE, id_number=id_number(seq=312))
    client = app.test_client()
    before = len(outbox(app))
    known = ask_code(client, PHONE).get_data(as_text=True)
    unknown = ask_code(app.test_client(), STRANGER_PHONE).get_data(as_text=True)
    shared = ask_code(app.test_client(), SHARED_PHONE).get_data(as_text=True)
    sent = outbox(app)[before:]
    # Only the learner's own phone is texted; a number nobody, or several people, have gets the same answer.
    assert [m["phone"] for m in sent] == [PHONE]
    notice = re.compile(r'id="sms-notice"[^>]*>([^<]+)<')
    assert notice.search(known).group(1) == notice.search(unknown).group(1) == notice.search(shared).group(1)
    code = code_in(sent[0])
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    assert "验证码错误或已失效" in sign_in_by_code(client, PHONE, wrong).get_data(as_text=True)
    # Someone else's number with this code: refused.
    assert "验证码错误或已失效" in sign_in_by_code(app.test_client(), OTHER_PHONE, code).get_data(as_text=True)
    assert sign_in_by_code(client, PHONE, code).status_code == 302
    assert client.get("/m/profile").status_code == 200
    assert "验证码错误或已失效" in sign_in_by_code(app.test_client(), PHONE, code).get_data(as_text=True)
    with app.app_context():  # the sign-in is in the audit trail, as every other
        user_id = db.session.get(Person, two["me"].id).user_id
        signed_in = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                      .where(AuditEntry.action == "sign_in", AuditEntry.target_user_id == user_id))
    assert signed_in == 1


def test_asking_for_codes_is_limited_like_every_sms_code(app, two):
    client = app.test_client()
    ask_code(client, PHONE)
    again = ask_code(client, PHONE).get_data(as_text=True)
    assert "请等待" in again or "秒" in again
    limit = app.config["SMS_DAILY_LIMIT_PER_PHONE"]
    with app.app_context():
        moment = dt.datetime.now() - dt.timedelta(hours=1)
        db.session.query(SmsCode).delete()
        # Codes sent to the phone on record today, for the password recovery among others: all count.
        for n in range(limit):
            db.session.add(SmsCode(id_number=two["me"].id_number, phone=PHONE, code_hash="x" * 64, purpose="recovery",
                                   person_id=two["me"].id, created_at=moment - dt.timedelta(minutes=n),
                                   expires_at=moment, attempts=0, ip="10.0.0.9"))
        db.session.commit()
    before = len(outbox(app))
    refused = ask_code(app.test_client(), PHONE).get_data(as_text=True)
    assert len(outbox(app)) == before and f"{limit}" in refused


def test_a_wrong_code_five_times_uses_the_code_up(app, two):
    client = app.test_client()
    before = len(outbox(app))
    ask_code(client, PHONE)
    code = code_in(outbox(app)[before])
    for n in range(5):
        sign_in_by_code(client, PHONE, f"{(int(code) + n + 1) % 10 ** 6:06d}")
    assert "验证码错误或已失效" in sign_in_by_code(client, PHONE, code).get_data(as_text=True)


def test_the_password_sign_in_keeps_the_portals_captcha_and_sign_out_ends_the_session(app, two):
    client = app.test_client()
    wrong = sign_in_by_password(client, two["me"].username, captcha="NOPE")
    assert wrong.status_code == 200 and client.get("/m/profile").status_code == 302
    assert "验证码" in wrong.get_data(as_text=True)
    assert sign_in_by_password(client, two["me"].username, password="wrong-Password-1").status_code == 200
    assert sign_in_by_password(client, two["me"].username).status_code == 302
    home = client.get("/m/").get_data(as_text=True)
    assert client.post("/m/logout").status_code == 400  # no CSRF token: refused
    out = client.post("/m/logout", data={"csrf_token": csrf_from(home)})
    assert out.status_code == 302 and out.location.endswith("/m/login")
    assert client.get("/m/profile").status_code == 302


def test_the_out_of_province_learner_has_the_scanner_profile_and_certificates_only(app, two, users):
    visitor = users.person(two["unit"], name="沪上来客", mobile="13912340055", out_of_province=True,
                           id_number=id_number(region="310101", seq=321))
    approved_record(app, visitor.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "2", "hours": "6"}, name="外省学习班")
    client = app.test_client()
    before = len(outbox(app))
    ask_code(client, "13912340055")
    assert sign_in_by_code(client, "13912340055", code_in(outbox(app)[before])).status_code == 302
    home = client.get("/m/").get_data(as_text=True)
    assert "扫一扫" in home and "我的证书" in home and "学分情况查询" not in home
    assert client.get("/m/credits").status_code == 404
    assert client.get("/m/compliance").status_code == 404
    assert client.get("/m/profile/edit").status_code == 404
    assert "外省学习班" in client.get("/m/certificates").get_data(as_text=True)


def test_the_provincial_admin_has_no_personal_entries(app, two):
    client = app.test_client()
    assert login(client, "padmin", PASSWORD).status_code == 302
    assert "学员入口" not in client.get("/m/").get_data(as_text=True)
    assert client.get("/m/credits").status_code == 404


def test_the_installable_shell(app, two):
    client = app.test_client()
    manifest = client.get("/m/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.json
    assert (data["name"], data["start_url"], data["scope"], data["display"], data["lang"]) == \
        ("医教管理", "/m/", "/m/", "standalone", "zh-CN")
    assert data["theme_color"] == "#0b6e69"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in data["icons"]:
        assert client.get(icon["src"]).mimetype == "image/png"

    worker = client.get("/m/sw.js")
    assert worker.mimetype == "text/javascript" and worker.headers["Cache-Control"] == "no-cache"
    text = worker.get_data(as_text=True)
    version = re.search(r'"cme-app-shell-([0-9a-f]{12})"', text).group(1)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", text).group(1))
    assert "/m/offline" in shell and "/static/vendor/jsqr/jsQR.js" in shell
    assert not [url for url in shell if url.startswith("/api/") or url in ("/m/", "/m/profile", "/m/credits")]
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert version == re.search(r'"cme-app-shell-([0-9a-f]{12})"', client.get("/m/sw.js").get_data(as_text=True)).group(1)
    offline = client.get("/m/offline").get_data(as_text=True)
    assert "网络" in offline and "王小明" not in offline
    # The shell sets no cookie: fetched beside the captcha picture, it would overwrite its challenge.
    fresh = app.test_client()
    fresh.get("/m/login?method=password")
    for url in ("/m/sw.js", "/m/manifest.webmanifest", "/m/offline"):
        assert "Set-Cookie" not in fresh.get(url).headers and "Set-Cookie" not in app.test_client().get(url).headers
    policy = client.get("/m/login").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
    # Signed in, the pages are for one browser only.
    sign_in_by_password(client, two["me"].username)
    assert client.get("/m/").headers["Cache-Control"] == "no-store"
