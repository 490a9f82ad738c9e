"""Verifiable credentials (Open Badges 3.0), checked the way a third party would check them: the
JWT with a second JOSE library (joserfc) against the JWKS fetched from the portal, the payload
against the pinned Open Badges 3.0 JSON schema, the status list decoded here bit by bit. A
tampered credential, one signed by another key and a revoked one all fail; no credential or
log holds an ID number; a key rotation keeps old credentials verifying."""
import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import re
import stat
import threading

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from jsonschema import Draft201909Validator
from sqlalchemy import delete, select

from portal.accounts.actor import actor_for
from portal.certificates import services as certificates
from portal.credentials import keys, openbadges, services
from portal.extensions import db
from portal.models import AuditEntry, Certificate, Person, VerifiableCredential
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, id_number, login
from tests.test_link_walk import ENGLISH, _Links

FREE = "非向导录入"


@pytest.fixture
def world(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33")])
    learner = users.person(ids["3301"], name="张三明", id_number=id_number(region="330106", seq=7))
    other = users.person(ids["3301"], name="李四")
    records = [approved_record(app, learner.id, FREE, dt.date(2025, 3, day), {"credits": credits, "hours": "24"},
                               "national", name=f"国家级心血管学习班{day}") for day, credits in ((1, "8"), (2, "2.5"))]
    numbers = []
    with app.test_request_context():
        me = actor_for(db.session.get(Person, learner.id).user)
        numbers = [c.number for c in certificates.issue(me, records)]
    return {"learner": learner, "other": other, "numbers": numbers, "records": records}


def _signed_in(app, made):
    client = app.test_client()
    login(client, made.username, PASSWORD)
    return client


def _download(client, number):
    response = client.get(f"/certificates/{number}.credential.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.get_data()


def _key_set(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    return response.json, KeySet.import_key_set(response.json)


def _bits(client, status):
    """Fetch the status list credential as a verifier would, check it with joserfc and decode it here."""
    response = client.get(status["statusListCredential"].removeprefix(_base(client)))
    assert response.status_code == 200
    listed = jose_jwt.decode(response.get_data(as_text=True), _key_set(client)[1], algorithms=["RS256"]).claims
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= 131_072
    return raw


def _base(client):
    return client.application.config["BASE_URL"]


def _is_set(raw, index):
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


def _verify_page(client, content, name="credential.json"):
    page = client.get("/credentials/verify")
    return client.post("/credentials/verify", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                   "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _outcomes(html):
    return dict(re.findall(r'data-check="(\w+)" data-outcome="(\w+)"', html))


def test_a_second_jose_library_the_schema_and_the_status_list_all_accept_the_credential(app, world):
    client = _signed_in(app, world["learner"])
    document = json.loads(_download(client, world["numbers"][0]))
    jwks, key_set = _key_set(client)
    assert {k["alg"] for k in jwks["keys"]} == {"RS256"} and all("d" not in k for k in jwks["keys"])

    token = jose_jwt.decode(document["jwt"], key_set, algorithms=["RS256"])
    assert token.header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = token.claims
    assert claims == document["credential"]
    assert claims["iss"] == claims["issuer"]["id"] == f"{_base(client)}/issuer"
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    with open(openbadges.DATA / "ob_v3p0_achievementcredential_schema.json", encoding="utf-8") as f:
        assert list(Draft201909Validator(json.load(f)).iter_errors(claims)) == []

    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["creditsEarned"] == 8.0 and subject["achievement"]["creditsAvailable"] == 8.0
    assert subject["achievement"]["name"] == "国家级心血管学习班1"
    assert world["numbers"][0] in claims["name"]
    (identity,) = subject["identifier"]
    assert identity["hashed"] is True and identity["identityType"] == "nationalIdentityNumber"
    expected = hashlib.sha256((world["learner"].id_number + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"

    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert not _is_set(_bits(client, status), int(status["statusListIndex"]))
    # The issuer profile names the same keys.
    profile = client.get("/issuer").json
    assert profile["type"] == ["Profile"] and profile["id"] == claims["iss"]
    assert [k["kid"] for k in profile["publicKeys"]] == [k["kid"] for k in jwks["keys"]]


def test_a_certificate_is_signed_as_a_credential_when_it_is_issued(app, world):
    with app.app_context():
        signed = db.session.execute(select(Certificate.number, VerifiableCredential.kid).join(
            VerifiableCredential, VerifiableCredential.certificate_id == Certificate.id)).all()
        current = keys.signing_key().kid
    assert sorted(n for n, _ in signed) == sorted(world["numbers"])  # before anyone asked for one
    assert {kid for _, kid in signed} == {current}


def test_the_credential_is_issued_once_and_each_has_its_own_bit_and_salt(app, world):
    client = _signed_in(app, world["learner"])
    first = json.loads(_download(client, world["numbers"][0]))
    assert json.loads(_download(client, world["numbers"][0])) == first
    second = json.loads(_download(client, world["numbers"][1]))
    assert second["credential"]["credentialSubject"]["creditsEarned"] == 2.5
    a, b = first["credential"], second["credential"]
    assert a["credentialStatus"]["statusListIndex"] != b["credentialStatus"]["statusListIndex"]
    assert a["credentialSubject"]["identifier"][0]["salt"] != b["credentialSubject"]["identifier"][0]["salt"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(VerifiableCredential.id))) == 2


def test_a_tampered_credential_fails_everywhere(app, world):
    client = _signed_in(app, world["learner"])
    content = _download(client, world["numbers"][0])
    document = json.loads(content)
    _, key_set = _key_set(client)
    head, body, signature = document["jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["creditsEarned"] = 9.0
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{forged_body}.{signature}"
    with pytest.raises(JoseError):
        jose_jwt.decode(forged, key_set, algorithms=["RS256"])

    anonymous = app.test_client()
    as_jwt = _verify_page(anonymous, forged.encode(), "forged.jwt").get_data(as_text=True)
    assert "凭证无效" in as_jwt and _outcomes(as_jwt)["signature"] == "failed"
    # The JWT intact but one credit changed in the JSON shown beside it.
    document["credential"]["credentialSubject"]["creditsEarned"] = 9.0
    shown = _verify_page(anonymous, json.dumps(document).encode()).get_data(as_text=True)
    assert _outcomes(shown)["signature"] == "failed"
    good = _verify_page(anonymous, content).get_data(as_text=True)
    assert "凭证有效" in good and set(_outcomes(good).values()) == {"passed"}


def test_a_credential_signed_by_another_key_fails(app, world):
    client = _signed_in(app, world["learner"])
    document = json.loads(_download(client, world["numbers"][0]))
    claims = document["credential"]
    kid = pyjwt.get_unverified_header(document["jwt"])["kid"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = pyjwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(JoseError):
        jose_jwt.decode(forged, _key_set(client)[1], algorithms=["RS256"])
    page = _verify_page(app.test_client(), json.dumps({"credential": claims, "jwt": forged}).encode()).get_data(as_text=True)
    assert _outcomes(page)["signature"] == "failed" and "凭证无效" in page
    unknown = pyjwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "someone-else"})
    page = _verify_page(app.test_client(), unknown.encode(), "x.jwt").get_data(as_text=True)
    assert _outcomes(page) == {"issuer_key": "failed", "signature": "skipped", "schema": "skipped", "status": "skipped"}


def test_revoking_the_certificate_sets_its_bit_and_the_credential_fails(app, world):
    client = _signed_in(app, world["learner"])
    content = _download(client, world["numbers"][0])
    status = json.loads(content)["credential"]["credentialStatus"]
    with app.test_request_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == world["numbers"][0]))
        certificates.revoke(actor_for(app.appbuilder.sm.find_user("padmin")), certificate, "证明材料有误")
        token = certificate.token
    assert _is_set(_bits(client, status), int(status["statusListIndex"]))
    page = _verify_page(app.test_client(), content).get_data(as_text=True)
    assert _outcomes(page)["status"] == "failed" and "已撤销" in page and "凭证无效" in page
    # The signature itself still holds: only the status list says it is revoked.
    assert _outcomes(page)["signature"] == "passed"
    # No new download, on the page, the API or the public verification page, which says 已撤销.
    assert client.get(f"/certificates/{world['numbers'][0]}.credential.json").status_code == 302
    assert client.get(f"/verify/{token}/credential.json").status_code == 404
    verification = client.get(f"/verify/{token}").get_data(as_text=True)
    assert "已撤销" in verification and "credential.json" not in verification


def test_no_credential_row_or_log_holds_an_id_number(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    client = _signed_in(app, world["learner"])
    content = _download(client, world["numbers"][0])
    _verify_page(app.test_client(), content)
    number = world["learner"].id_number
    assert number not in content.decode() and number not in caplog.text
    with app.app_context():
        row = db.session.scalar(select(VerifiableCredential))
        assert number not in row.jwt
        payload = pyjwt.decode(row.jwt, options={"verify_signature": False})
        assert number not in json.dumps(payload, ensure_ascii=False)


def test_a_rotation_keeps_old_credentials_verifying_and_signs_new_ones_with_the_new_key(app, world):
    client = _signed_in(app, world["learner"])
    before = json.loads(_download(client, world["numbers"][0]))
    old_kid = pyjwt.get_unverified_header(before["jwt"])["kid"]
    result = app.test_cli_runner().invoke(args=["portal", "rotate-credential-key"])
    assert result.exit_code == 0, result.output
    # A certificate issued after the rotation is signed with the new key.
    later = approved_record(app, world["learner"].id, FREE, dt.date(2025, 4, 1), {"credits": "3", "hours": "9"},
                            "national", name="轮换后的学习班")
    with app.test_request_context():
        (issued,) = certificates.issue(actor_for(db.session.get(Person, world["learner"].id).user), [later])
        number = issued.number
    after = json.loads(_download(client, number))
    new_kid = pyjwt.get_unverified_header(after["jwt"])["kid"]
    assert new_kid != old_kid and new_kid in result.output

    jwks, key_set = _key_set(client)
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks["keys"]}
    for document in (before, after):
        assert jose_jwt.decode(document["jwt"], key_set, algorithms=["RS256"]).claims == document["credential"]
        page = _verify_page(app.test_client(), json.dumps(document).encode()).get_data(as_text=True)
        assert set(_outcomes(page).values()) == {"passed"}
    # Only the current key can sign; it is the portal user's alone.
    with app.app_context():
        private = [p for p in keys.folder(app).iterdir() if p.name.endswith(".pem") and not p.name.endswith(".pub.pem")]
        assert [p.name for p in private] == [f"{new_kid}.pem"]
        assert stat.S_IMODE(private[0].stat().st_mode) == 0o600
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "credential_key_rotate"))
        assert entry.after == {"kid": new_kid}


def test_the_cli_verifier(app, world, tmp_path):
    client = _signed_in(app, world["learner"])
    good = tmp_path / "good.json"
    good.write_bytes(_download(client, world["numbers"][0]))
    result = app.test_cli_runner().invoke(args=["portal", "verify-credential", str(good)])
    assert result.exit_code == 0 and result.output.count("✓") == 4, result.output
    document = json.loads(good.read_bytes())
    document["credential"]["credentialSubject"]["creditsEarned"] = 80.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = app.test_cli_runner().invoke(args=["portal", "verify-credential", str(bad)])
    assert result.exit_code != 0 and "✗" in result.output


def test_only_who_may_see_the_certificate_gets_its_credential(app, world):
    number = world["numbers"][0]
    other = _signed_in(app, world["other"])
    assert other.get(f"/certificates/{number}.credential.json").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/certificates/{number}.credential.json").status_code in (302, 401, 403)
    assert anonymous.get(f"/api/v1/certificates/{number}.jwt").status_code == 401
    theirs = api_token(app.test_client(), world["other"].username, PASSWORD)
    assert app.test_client().get(f"/api/v1/certificates/{number}.jwt",
                                 headers={"Authorization": f"Bearer {theirs}"}).status_code == 404
    mine = api_token(app.test_client(), world["learner"].username, PASSWORD)
    as_jwt = app.test_client().get(f"/api/v1/certificates/{number}.jwt", headers={"Authorization": f"Bearer {mine}"})
    assert as_jwt.status_code == 200 and as_jwt.mimetype == "application/jwt"
    as_json = app.test_client().get(f"/api/v1/certificates/{number}.json", headers={"Authorization": f"Bearer {mine}"})
    assert as_json.status_code == 200 and json.loads(as_json.get_data())["jwt"] == as_jwt.get_data(as_text=True)
    assert anonymous.get("/verify/not-a-token/credential.json").status_code == 404


def _english(html):
    parser = _Links()
    parser.feed(html)
    return ENGLISH.findall(" ".join(parser.text))


def test_the_verification_page_offers_the_credential_in_chinese(app, world):
    with app.app_context():
        token = db.session.scalar(select(Certificate.token).where(Certificate.number == world["numbers"][0]))
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{token}").get_data(as_text=True)
    assert f"/verify/{token}/credential.json" in page and "下载可验证凭证" in page
    assert _english(page) == []
    downloaded = anonymous.get(f"/verify/{token}/credential.json")
    assert downloaded.status_code == 200
    result = _verify_page(anonymous, downloaded.get_data()).get_data(as_text=True)
    assert "凭证有效" in result and _english(result) == []


def test_two_requests_at_once_get_one_credential(app, world):
    """A certificate issued before the credentials existed is signed on its first request; two
    requests at once get one credential."""
    with app.app_context():
        certificate_id = db.session.scalar(select(Certificate.id).where(Certificate.number == world["numbers"][0]))
        db.session.execute(delete(VerifiableCredential))
        db.session.commit()
    found, barrier = [], threading.Barrier(2)

    def ask():
        with app.test_request_context():
            barrier.wait()
            found.append(services.of_certificate(db.session.get(Certificate, certificate_id)).id)
            db.session.remove()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 2 and found[0] == found[1]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(VerifiableCredential.id))) == 1


def test_the_verifier_page_wants_its_csrf_token_and_refuses_big_files(app, world):
    anonymous = app.test_client()
    assert anonymous.post("/credentials/verify", data={"file": (io.BytesIO(b"{}"), "x.json")},
                          content_type="multipart/form-data").status_code == 400
    too_big = _verify_page(anonymous, b" " * (app.config["CREDENTIAL_UPLOAD_MAX"] + 1))
    assert too_big.status_code == 413 and "文件超过" in too_big.get_data(as_text=True)
    far_too_big = _verify_page(anonymous, b" " * (app.config["CREDENTIAL_UPLOAD_MAX"] * 4))
    assert far_too_big.status_code == 413 and "文件超过" in far_too_big.get_data(as_text=True)
    junk = _verify_page(anonymous, b"not a credential").get_data(as_text=True)
    assert "凭证无效" in junk and _outcomes(junk) == {"format": "failed"}
