"""Login: captcha, lockout, one answer for every failure, per-IP limit, forced password change,
CSRF and redirects."""
import datetime as dt
import re
import secrets

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal.extensions import db
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, login, make_test_app, without_nonces


def _failure_text(response):
    return without_nonces(response.get_data(as_text=True))


def test_wrong_captcha_is_refused_even_with_the_right_password(client, users):
    person = users.person(users.unit("330101"))
    response = login(client, person.username, PASSWORD, captcha="WRNG")
    assert response.status_code == 200
    assert "验证码" in response.get_data(as_text=True)
    assert client.get("/profile/").status_code == 302  # still signed out


def test_captcha_is_single_use(client, users):
    person = users.person(users.unit("330101"))
    page = client.get("/login/")
    token = csrf_from(page.get_data(as_text=True))
    client.get("/login/captcha.png")
    form = {"csrf_token": token, "username": person.username, "password": "wrong-password", "captcha": "TEST"}
    client.post("/login/", data=form)
    # Replaying the same solved challenge (no new image fetched) fails on the captcha.
    replay = client.post("/login/", data={**form, "password": PASSWORD})
    assert "验证码" in replay.get_data(as_text=True)
    assert client.get("/profile/").status_code == 302


def _throttle_clock(monkeypatch, seconds):
    from portal.accounts import throttle

    later = throttle.now() + dt.timedelta(seconds=seconds)
    monkeypatch.setattr(throttle, "now", lambda: later)


def test_wrong_passwords_slow_a_username_down_without_locking_its_owner_out(app, client, users, monkeypatch):
    person = users.person(users.unit("330101"))
    wrong = [_failure_text(login(client, person.username, "not-the-password")) for _ in range(5)]
    assert all("用户名或密码错误。" in text for text in wrong)
    # Right after the fifth, even the right password must wait, with a message that says so.
    sixth = login(client, person.username, PASSWORD)
    assert client.get("/profile/").status_code == 302
    assert "请等待" in _failure_text(sixth) and "用户名或密码错误" not in _failure_text(sixth)
    # An attacker keeps guessing from elsewhere: each wrong try doubles the wait, capped at a minute.
    attacker = app.test_client()
    for _ in range(20):
        _throttle_clock(monkeypatch, 61)
        login(attacker, person.username, "still-not-it")
    # A minute after the attacker's last guess, the owner signs in: nobody can lock them out.
    _throttle_clock(monkeypatch, 61)
    assert login(client, person.username, PASSWORD).status_code == 302
    # The API answers the same 401 for an unknown username and a slowed one, with its own message.
    monkeypatch.undo()
    api = app.test_client()
    for username in (person.username, "nobody-at-all"):
        for _ in range(5):
            api.post("/api/v1/security/login", json={"username": username, "password": "nope", "provider": "db"})
    slowed = api.post("/api/v1/security/login", json={"username": person.username, "password": PASSWORD, "provider": "db"})
    unknown = api.post("/api/v1/security/login", json={"username": "nobody-at-all", "password": PASSWORD, "provider": "db"})
    assert slowed.status_code == unknown.status_code == 401
    assert slowed.json == unknown.json and "网页" in slowed.json["message"]
    # A web sign-in (with the captcha) lets the API in again.
    _throttle_clock(monkeypatch, 61)
    assert login(app.test_client(), person.username, PASSWORD).status_code == 302
    assert api_token(api, person.username, PASSWORD)


def test_the_answers_for_an_unknown_username_and_a_slowed_one_are_the_same(client, users, monkeypatch):
    person = users.person(users.unit("330101"))
    texts = {}
    for username in (person.username, "nobody-at-all"):
        for _ in range(5):
            login(client, username, "not-the-password")
        texts[username] = _failure_text(login(client, username, "not-the-password"))
    assert all("请等待" in t for t in texts.values())
    def same(text, username):
        return re.sub(r'value="[^"]*"', "", text.replace(username, "X"))

    assert same(texts[person.username], person.username) == same(texts["nobody-at-all"], "nobody-at-all")


def _user_id(app, username):
    return app.appbuilder.sm.find_user(username=username).id


def test_per_ip_rate_limit_on_web_and_api_login(database_url, tmp_path, users):
    limited = make_test_app(database_url, tmp_path / "instance", AUTH_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    answers = [client.post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429] and answers[3].headers["Retry-After"] == "60"
    page = client.get("/login/")
    token = csrf_from(page.get_data(as_text=True))
    web = [client.post("/login/", data={"csrf_token": token, "username": "x", "password": "y", "captcha": "TEST"}).status_code
           for _ in range(4)]
    assert web[3] == 429


def test_first_login_forces_password_change_on_web_and_api(app, client, users):
    person = users.person(users.unit("330101"), initial=True)
    response = login(client, person.username, person.password)
    assert response.status_code == 302 and response.location.endswith("/account/password/")
    assert client.get("/profile/").location.endswith("/account/password/")
    api = app.test_client()
    token = api_token(api, person.username, person.password)
    bearer = {"Authorization": f"Bearer {token}"}
    blocked = api.get("/api/v1/me", headers=bearer)
    assert blocked.status_code == 403 and blocked.json["code"] == "password_change_required"
    # A weak new password is refused with reasons; a good one is accepted and unblocks the API.
    weak = api.post("/api/v1/me/password", headers=bearer, json={"old_password": person.password, "new_password": "12345678"})
    assert weak.status_code == 400
    done = api.post("/api/v1/me/password", headers=bearer,
                    json={"old_password": person.password, "new_password": "Blue-heron-42x"})
    assert done.status_code == 200
    # The change ends every session of the account, the token's and the browser's included.
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.get("/profile/").status_code == 302
    bearer = {"Authorization": f"Bearer {api_token(api, person.username, 'Blue-heron-42x')}"}
    me = api.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json["result"]["role"] == "learner"
    assert me.json["result"]["person"]["id_number"] == person.id_number  # unmasked: it is theirs


def test_password_change_page_checks_old_password_and_policy(client, users):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    page = client.get("/account/password/")
    token = csrf_from(page.get_data(as_text=True))
    wrong_old = client.post("/account/password/", data={"csrf_token": token, "old_password": "nope",
                                                        "new_password": "Blue-heron-42x", "confirm": "Blue-heron-42x"})
    assert "当前密码" in wrong_old.get_data(as_text=True)
    common = client.post("/account/password/", data={"csrf_token": token, "old_password": PASSWORD,
                                                     "new_password": "password123", "confirm": "password123"})
    assert "常见" in common.get_data(as_text=True)
    ok = client.post("/account/password/", data={"csrf_token": token, "old_password": PASSWORD,
                                                 "new_password": "Blue-heron-42x", "confirm": "Blue-heron-42x"})
    assert ok.status_code == 302
    client.get("/logout/")
    assert login(client, person.username, "Blue-heron-42x").status_code == 302


def test_forms_need_the_csrf_token(client, users):
    person = users.person(users.unit("330101"))
    client.get("/login/captcha.png")
    no_token = client.post("/login/", data={"username": person.username, "password": PASSWORD, "captcha": "TEST"})
    assert no_token.status_code == 400
    login(client, person.username, PASSWORD)
    profile_post = client.post("/profile/", data={"mobile": "13900000000"})
    assert profile_post.status_code == 400


def test_cookie_authenticated_api_calls_need_the_csrf_token(client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    login(client, admin.username, PASSWORD)
    body = {"name": "李四", "id_number": "11010519491231002X"}
    refused = client.post("/api/v1/people/", json=body)
    assert refused.status_code == 400 and refused.json["code"] == "csrf_failed"
    token = csrf_from(client.get("/people/new").get_data(as_text=True))
    accepted = client.post("/api/v1/people/", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_bearer_api_calls_need_no_csrf_token(client, users):
    admin = users.person(users.unit("330101"), role="unit_admin")
    token = api_token(client, admin.username, PASSWORD)
    created = client.post("/api/v1/people/", json={"name": "李四", "id_number": "11010519491231002X"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201


def test_no_open_redirect_through_next_or_host(client, users):
    person = users.person(users.unit("330101"))
    for target in ["http://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]:
        response = login(client, person.username, PASSWORD, next_url=target)
        assert response.status_code == 302
        assert "evil" not in response.location and "javascript" not in response.location, target
        client.get("/logout/")
    # A forged Host header cannot make an absolute next look local.
    page = client.get("/login/?next=http://evil.example/x", headers={"Host": "evil.example"})
    token = csrf_from(page.get_data(as_text=True))
    client.get("/login/captcha.png", headers={"Host": "evil.example"})
    forged = client.post("/login/?next=http://evil.example/x", headers={"Host": "evil.example"},
                         data={"csrf_token": token, "username": person.username, "password": PASSWORD, "captcha": "TEST"})
    assert forged.status_code == 302 and "evil.example/x" not in forged.location
    # A local path is kept.
    client.get("/logout/")
    assert login(client, person.username, PASSWORD, next_url="/account/password/").location.endswith("/account/password/")


def test_captcha_has_an_audio_alternative_for_the_current_challenge(client):
    assert client.get("/login/captcha.wav").status_code == 404  # no challenge yet
    client.get("/login/")
    client.get("/login/captcha.png")
    audio = client.get("/login/captcha.wav")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav" and audio.data[:4] == b"RIFF"


def test_rate_limit_counts_the_client_behind_the_configured_proxy(app, database_url, tmp_path):
    limited = make_test_app(database_url, tmp_path / "instance", AUTH_RATE_LIMIT="2 per minute", PROXY_COUNT=1)
    client = limited.test_client()

    def attempt(ip):
        return client.post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"},
                           headers={"X-Forwarded-For": ip}).status_code

    assert [attempt("10.0.0.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("10.0.0.2") == 401  # another client behind the same proxy is not blocked


def test_login_limit_is_shared_by_workers_through_redis(app, database_url, tmp_path):
    """Two apps stand for two gunicorn workers: with Redis configured they count together."""
    shared = {"AUTH_RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": f"cme-test-{secrets.token_hex(4)}"}
    workers = [make_test_app(database_url, tmp_path / f"w{i}", **shared).test_client() for i in range(2)]
    codes = [workers[i % 2].post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"}).status_code
             for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_chosen_password_is_kept_as_argon2id_and_an_older_hash_is_replaced_at_sign_in(app, users, monkeypatch):
    """As production hashes (PASSWORD_HASH_METHOD argon2id; the suite's other tests use one round of
    PBKDF2 for speed): a password changed on the page is stored as Argon2id at OWASP's minimum, and
    an account still holding a hash of the scrypt the portal used before signs in with it and
    leaves with an Argon2id one, while a wrong password gets in with neither."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "argon2id")
    person = users.person(users.unit("330101"))

    def account() -> User:
        return db.session.scalar(select(User).where(User.username == person.username))

    def stored() -> str:
        with app.app_context():
            return account().password

    with app.app_context():
        account().password = generate_password_hash(PASSWORD, method="scrypt")
        db.session.commit()
    assert stored().startswith("scrypt:")
    client = app.test_client()
    assert login(client, person.username, "Wrong!password-9").status_code == 200
    assert stored().startswith("scrypt:")  # a failed attempt changes nothing
    assert login(client, person.username, PASSWORD).status_code == 302
    moved = stored()
    assert moved.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    client = app.test_client()
    assert login(client, person.username, "Wrong!password-9").status_code == 200
    assert login(client, person.username, PASSWORD).status_code == 302 and stored() == moved  # not made again
    page = client.get("/account/password/").get_data(as_text=True)
    changed = client.post("/account/password/", data={"csrf_token": csrf_from(page), "old_password": PASSWORD,
                                                       "new_password": "Lq8#harbour-lamp", "confirm": "Lq8#harbour-lamp"})
    assert changed.status_code == 302
    assert stored().startswith("$argon2id$v=19$m=19456,t=2,p=1$") and stored() != moved
    assert login(app.test_client(), person.username, "Lq8#harbour-lamp").status_code == 302
