"""Electronic credit certificates: issuing (once per record, under concurrency too), the frozen
statement, the public verification page (masking, counting, unknown tokens, revocation, JSON,
the per-IP limit), the provincial admin's revocation, downloads and the REST API."""
import datetime as dt
import io
import re
import threading
import zipfile

import pytest
from sqlalchemy import func, select, update

from portal.accounts.actor import actor_for
from portal.certificates import services
from portal.contracts import CertificateStatement
from portal.credits import services as credits
from portal.documents import services as documents
from portal.extensions import db
from portal.models import Certificate, CreditCategory, CreditRecord, EvidenceFile, Person, Unit
from portal.people.masking import mask_name
from portal.review import services as review
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, id_number, login, without_nonces

FREE = "非向导录入"
NUMBER = re.compile(r"^\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def world(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33"),
                       ("3302", "宁波市第二医院", "institution", "三级", "33")])
    learner = users.person(ids["3301"], self_entry=True, name="张三明",
                           id_number=id_number(region="330106", seq=1))  # an odd 17th digit: 男
    other = users.person(ids["3302"], self_entry=True, name="李四")
    admin = users.person(ids["3301"], role="unit_admin", name="管理员")
    record = approved_record(app, learner.id, FREE, dt.date(2025, 3, 1), {"credits": "8", "hours": "24"}, "national",
                             name="国家级心血管学习班")
    other_record = approved_record(app, other.id, FREE, dt.date(2025, 3, 1), {"credits": "2", "hours": "6"}, "city")
    with app.app_context():
        # The organiser (发证机构) and the project number, set directly on the approved record.
        db.session.execute(update(CreditRecord).where(CreditRecord.id == record)
                           .values(issuing_unit_id=ids["3302"], activity_number="2025-01-001"))
        db.session.commit()
    return {"learner": learner, "other": other, "admin": admin, "record": record, "other_record": other_record,
            "units": ids}


def _actor(app, person_id):
    return actor_for(db.session.get(Person, person_id).user)


def _rejected(app, person_id):
    with app.test_request_context():
        me, padmin = _actor(app, person_id), actor_for(app.appbuilder.sm.find_user("padmin"))
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == FREE))
        record = credits.create(me, free, {"activity_name": "被退回", "activity_date": dt.date(2025, 4, 1),
                                           "credit_level": "city"}, {"credits": "1", "hours": "1"})
        db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                    person_id=person_id, stored_name="r" * 32, original_name="a.jpg",
                                    media_type="image/jpeg", size=1, sha256="0" * 64))
        db.session.commit()
        credits.submit(me, [record])
        review.decide(padmin, [record], "reject", "材料不清")
        return record.id


def _issue(app, person_id, record_ids):
    with app.test_request_context():
        return [(c.number, c.token) for c in services.issue(_actor(app, person_id), record_ids)]


def test_issue_twice_gives_the_same_certificate_with_the_frozen_statement(app, world):
    (number, token), = _issue(app, world["learner"].id, [world["record"]])
    assert NUMBER.match(number)
    assert _issue(app, world["learner"].id, [world["record"]]) == [(number, token)]
    assert len(token) >= 32  # token_urlsafe(24): 192 bits
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        s = certificate.statement
        assert set(s) == set(CertificateStatement.__annotations__)
        assert (s["title"], s["person_name"], s["sex"], s["organiser"]) == \
            ("浙江省继续医学教育学分电子证书", "张三明", "男", "宁波市第二医院")
        assert (s["credit_class"], s["credits"], s["hours"], s["project_number"]) == ("I类", "8.00", "24.0", "2025-01-001")
        assert (s["project_start"], s["project_end"], s["awarding_body"]) == ("2025-03-01", "2025-03-01", "省继续医学教育委员会")
        assert s["verify_url"] == f"http://127.0.0.1:5000/verify/{token}"
        assert s["issued_on"] == dt.date.today().isoformat() and number.startswith(str(dt.date.today().year))


def test_a_number_clash_draws_another_number(app, world, monkeypatch):
    (taken, _), = _issue(app, world["learner"].id, [world["record"]])
    second = _copies(app, world["record"], 1)[0]
    drawn = iter([taken, "2026-ZZZZ-ZZZZ"])
    monkeypatch.setattr(documents, "new_number", lambda year: next(drawn))
    assert _issue(app, world["learner"].id, [second])[0][0] == "2026-ZZZZ-ZZZZ"


def test_rejected_or_someone_elses_record_is_not_found(app, world):
    from werkzeug.exceptions import NotFound

    rejected = _rejected(app, world["learner"].id)
    for person, ids in ((world["learner"], [rejected]), (world["learner"], [world["other_record"]]),
                        (world["learner"], [world["record"], world["other_record"]]), (world["admin"], [world["other_record"]])):
        with pytest.raises(NotFound):
            _issue(app, person.id, ids)
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 0
    # The unit admin may issue for their staff.
    assert _issue(app, world["admin"].id, [world["record"]])


def test_verification_page_logged_out(app, world, client):
    (number, token), = _issue(app, world["learner"].id, [world["record"]])
    with app.app_context():  # renaming the organiser afterwards changes nothing issued
        db.session.get(Unit, world["units"]["3302"]).name = "改名后的医院"
        db.session.commit()
    page = client.get(f"/verify/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert number in html and "张*明" in html and "张三明" not in html and "有效" in html
    assert "宁波市第二医院" in html and "改名后的医院" not in html and "国家级心血管学习班" in html
    assert "<dd>8.00</dd>" in html and "<dd>24.0</dd>" in html  # as the PDF and every page write them
    assert "logout" not in html
    data = client.get(f"/verify/{token}?format=json").json
    assert (data["number"], data["person_name"], data["status"], data["verification_count"]) == (number, "张*明", "valid", 2)
    assert data["credits"] == "8.00" and data["organiser"] == "宁波市第二医院"
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        assert certificate.verification_count == 2 and certificate.last_verified_at is not None


def test_wrong_tokens_answer_the_same_404(app, world, client):
    (_, token), = _issue(app, world["learner"].id, [world["record"]])
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    first, second = client.get(f"/verify/{changed}"), client.get("/verify/nothing-like-it")
    assert first.status_code == second.status_code == 404
    # the same page, but for the CSP nonce each response has its own of
    assert without_nonces(first.get_data(as_text=True)) == without_nonces(second.get_data(as_text=True))
    assert client.get(f"/verify/{changed}?format=json").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Certificate.verification_count)) == 0


def test_revocation_by_the_province_only(app, world, client):
    (number, token), = _issue(app, world["learner"].id, [world["record"]])
    login(client, world["learner"].username, PASSWORD)
    assert client.get("/certificates/").status_code in (302, 403, 404)
    client.get("/logout/")
    login(client, "padmin", PASSWORD)
    listing = client.get(f"/certificates/?q={number}").get_data(as_text=True)
    assert number in listing
    with app.app_context():
        certificate_id = db.session.scalar(select(Certificate.id))
    url = f"/certificates/{certificate_id}/revoke"
    client.post(url, data={"csrf_token": csrf_from(listing), "reason": " "})
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).revoked_at is None
    client.post(url, data={"csrf_token": csrf_from(listing), "reason": "证明材料伪造"})
    client.get("/logout/")
    html = client.get(f"/verify/{token}").get_data(as_text=True)
    assert "已撤销" in html and dt.date.today().isoformat() in html and "有效" not in html
    data = client.get(f"/verify/{token}?format=json").json
    assert (data["status"], data["revoked_on"]) == ("revoked", dt.date.today().isoformat())


def test_verification_is_rate_limited_per_address(app, world):
    (_, token), = _issue(app, world["learner"].id, [world["record"]])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    saved = app.config["VERIFY_RATE_LIMIT"]
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        assert [client.get(f"/verify/{token}").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(f"/verify/{token}")
        assert refused.status_code == 429 and refused.get_data(as_text=True) and refused.headers["Retry-After"] == "60"
        assert app.test_client().get(f"/verify/{token}").status_code == 200  # another address
    finally:
        app.config["VERIFY_RATE_LIMIT"] = saved


def test_owner_sees_the_certificate_on_the_record_page(app, world, client):
    login(client, world["learner"].username, PASSWORD)
    page = client.get(f"/credits/{world['record']}").get_data(as_text=True)
    assert "/certificates/issue" in page
    issued = client.post("/certificates/issue", data={"csrf_token": csrf_from(page), "record_id": world["record"]})
    assert issued.status_code == 302 and issued.headers["Location"].endswith(f"/credits/{world['record']}")
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
    page = client.get(f"/credits/{world['record']}").get_data(as_text=True)
    assert certificate.number in page and certificate.token in page
    query = client.get("/credits/query/?from=2000-01-01").get_data(as_text=True)
    assert f'name="record_id" value="{world["record"]}"' in query
    batch = client.post("/certificates/issue", data={"csrf_token": csrf_from(query), "record_id": world["record"],
                                                     "download": "pdf"})
    assert batch.status_code == 302 and f"/certificates.pdf?numbers={certificate.number}" in batch.headers["Location"]
    # Someone else's certificate file is not found.
    client.get("/logout/")
    login(client, world["other"].username, PASSWORD)
    assert client.get(f"/certificates/{certificate.number}.pdf").status_code == 404


def test_downloads(app, world, client):
    issued = _issue(app, world["learner"].id, [world["record"]])
    number = issued[0][0]
    login(client, world["learner"].username, PASSWORD)
    one = client.get(f"/certificates/{number}.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf" and one.data.startswith(b"%PDF")
    archive = client.get(f"/certificates.zip?numbers={number}")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(archive.data)).namelist() == [f"{number}.pdf"]


def test_api_issue_and_download(app, world, client):
    token = api_token(client, world["learner"].username, PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/certificates/", json={"credit_ids": [world["record"]]}, headers=headers)
    assert response.status_code == 201
    (item,) = response.json
    assert set(item) == {"credit_id", "number", "verify_url"} and item["credit_id"] == world["record"]
    assert item["verify_url"].startswith("http://127.0.0.1:5000/verify/")
    again = client.post("/api/v1/certificates/", json={"credit_ids": [world["record"]]}, headers=headers)
    assert again.json == [item]
    assert client.post("/api/v1/certificates/", json={"credit_ids": [world["other_record"]]}, headers=headers).status_code == 404
    assert client.post("/api/v1/certificates/", json={"credit_ids": "x"}, headers=headers).status_code == 400
    assert client.get("/api/v1/certificates/2000-AAAA-AAAA.pdf", headers=headers).status_code == 404
    pdf = client.get(f"/api/v1/certificates.pdf?numbers={item['number']}", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def _copies(app, record_id, n):
    """``n`` more approved records like ``record_id`` (straight into the table: only their ids matter)."""
    with app.app_context():
        source = db.session.get(CreditRecord, record_id)
        columns = {c.key: getattr(source, c.key) for c in CreditRecord.__mapper__.column_attrs if c.key != "id"}
        copies = [CreditRecord(**columns) for _ in range(n)]
        db.session.add_all(copies)
        db.session.commit()
        return [c.id for c in copies]


def _concurrently(app, token, bodies):
    """POST each body to the issue API from its own thread (own client, own app context), all at once."""
    barrier, answers = threading.Barrier(len(bodies)), [None] * len(bodies)

    def run(i):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            response = client.post("/api/v1/certificates/", json=bodies[i], headers={"Authorization": f"Bearer {token}"})
            answers[i] = (response.status_code, response.json)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_issues(app, world, client):
    """On PostgreSQL and on SQLite alike: 100 requests for 100 records give 100 distinct numbers;
    10 requests for one record give one certificate."""
    ids = [world["record"]] + _copies(app, world["record"], 99)
    token = api_token(client, world["learner"].username, PASSWORD)
    answers = _concurrently(app, token, [{"credit_ids": [i]} for i in ids])
    assert all(status == 201 for status, _ in answers), answers
    numbers = {body[0]["number"] for _, body in answers}
    assert len(numbers) == 100 and all(NUMBER.match(n) for n in numbers)

    single = _copies(app, world["record"], 1)[0]
    answers = _concurrently(app, token, [{"credit_ids": [single]}] * 10)
    assert all(status == 201 for status, _ in answers), answers
    assert len({body[0]["number"] for _, body in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id)).where(Certificate.record_id == single)) == 1
        assert db.session.scalar(select(func.count(Certificate.id))) == 101


def test_mask_name():
    assert [mask_name(n) for n in ("张三明", "张三", "欧阳小明", "张")] == ["张*明", "张*", "欧**明", "张"]


def test_the_pdf_reads_back_and_its_qr_code_verifies(app, world, client, tmp_path):
    """The downloaded PDF: Chinese text in its text layer, the CJK font embedded, and a QR code
    that decodes to the verification URL, which names the certificate until it is revoked."""
    import subprocess
    from urllib.parse import urlsplit

    headers = {"Authorization": f"Bearer {api_token(client, world['learner'].username, PASSWORD)}"}
    (item,) = client.post("/api/v1/certificates/", json={"credit_ids": [world["record"]]}, headers=headers).json
    pdf = client.get(f"/api/v1/certificates/{item['number']}.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.content_length == len(pdf.data)  # a browser stops reading at the declared length
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "浙江省继续医学教育学分电子证书" in flat and "张三明" in flat and "国家级心血管学习班" in flat
    assert "经考核合格，特授予I类学分8.00分（24.0学时）" in flat and item["number"] in flat
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert any("CJK" in line and " yes " in line for line in fonts.splitlines())
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    (page,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == item["verify_url"]
    client.get("/logout/")
    verify_path = urlsplit(decoded).path
    answer = client.get(verify_path)
    assert answer.status_code == 200 and item["number"] in answer.get_data(as_text=True)
    assert "有效" in answer.get_data(as_text=True)
    assert client.get(verify_path[:-1] + ("A" if verify_path[-1] != "A" else "B")).status_code == 404
    with app.test_request_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == item["number"]))
        services.revoke(actor_for(app.appbuilder.sm.find_user("padmin")), certificate, "证明材料有误")
    assert "已撤销" in client.get(verify_path).get_data(as_text=True)


def test_a_revoked_certificate_is_never_sent_again(app, world, client):
    """After revocation the owner gets the reason, not a clean PDF: page, API, ZIP and re-issue alike."""
    (number, _token), = _issue(app, world["learner"].id, [world["record"]])
    with app.test_request_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        services.revoke(actor_for(app.appbuilder.sm.find_user("padmin")), certificate, "证明材料伪造")
    login(client, world["learner"].username, PASSWORD)
    for url in (f"/certificates/{number}.pdf", f"/certificates.pdf?numbers={number}", f"/certificates.zip?numbers={number}"):
        response = client.get(url)
        assert response.status_code == 302 and not response.data.startswith(b"%PDF"), url
    shown = client.get(f"/certificates/{number}.pdf", follow_redirects=True).get_data(as_text=True)
    assert f"证书 {number} 已于" in shown and "不能再下载" in shown
    detail = client.get(f"/credits/{world['record']}").get_data(as_text=True)
    assert "已撤销" in detail and f"/certificates/{number}.pdf" not in detail
    client.get("/logout/")
    headers = {"Authorization": f"Bearer {api_token(client, world['learner'].username, PASSWORD)}"}
    assert client.get(f"/api/v1/certificates/{number}.pdf", headers=headers).status_code == 409
    again = client.post("/api/v1/certificates/", json={"credit_ids": [world["record"]]}, headers=headers)
    assert again.status_code == 409 and again.json["code"] == "revoked"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


@pytest.mark.parametrize("count", [0, 1, 45])
def test_the_certificate_list_counts_what_it_lists(app, world, client, count):
    records = [world["record"], *_copies(app, world["record"], count - 1)] if count else []
    if records:
        _issue(app, world["learner"].id, records)
    login(client, "padmin", PASSWORD)
    html = client.get("/certificates/").get_data(as_text=True)
    assert f"共{count}条记录" in html.replace(" ", "")
    assert html.count('name="reason"') == count
