"""Server-side sessions, from the attacker's side: a stolen cookie or token stops working when its
owner signs out, changes the password, is reset or is set to 注销; an idle or too old session is
over; refresh tokens rotate and a replayed one is refused; no refresh while the account is locked.
The database store is the suite's default; the same behaviours run on Redis below."""
import datetime as dt
import time

import jwt
import pytest
from sqlalchemy import update

from portal.accounts import sessions
from portal.extensions import db
from portal.models import AccountSession, Person
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login, make_test_app


def _stolen(app, client):
    """A second browser carrying a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/profile/").status_code == 200


def _tokens(client, username, password=PASSWORD):
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"], response.json["refresh_token"]


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_old_cookie_after_logout_goes_to_login(app, client, users):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    thief = _stolen(app, client)
    assert _signed_in(thief)
    client.get("/logout/")
    response = thief.get("/profile/")
    assert response.status_code == 302 and "/login/" in response.location


def test_password_change_ends_every_other_session_and_its_tokens(app, client, users):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    thief = _stolen(app, client)
    access, refresh = _tokens(app.test_client(), person.username)
    token = csrf_from(client.get("/account/password/").get_data(as_text=True))
    new = "Amber-lantern-river-7"
    changed = client.post("/account/password/", data={"csrf_token": token, "old_password": PASSWORD,
                                                      "new_password": new, "confirm": new})
    assert changed.status_code == 302
    assert _signed_in(client)  # the browser that changed it goes on, in a new session
    assert not _signed_in(thief)
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_bearer(access)).status_code == 401
    assert api.post("/api/v1/security/refresh", headers=_bearer(refresh)).status_code == 401


def test_admin_reset_and_cancellation_end_the_accounts_sessions(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    victim, leaver = users.person(unit, name="被重置"), users.person(unit, name="已注销")
    victim_browser, leaver_browser = app.test_client(), app.test_client()
    login(victim_browser, victim.username, PASSWORD)
    login(leaver_browser, leaver.username, PASSWORD)
    leaver_access, _ = _tokens(app.test_client(), leaver.username)
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get(f"/people/{victim.id}").get_data(as_text=True))
    client.post(f"/people/{victim.id}/reset-password", data={"csrf_token": token})
    assert not _signed_in(victim_browser)
    edit = client.post(f"/people/{leaver.id}/edit", data={"csrf_token": token, "name": "已注销", "status": "注销"})
    assert edit.status_code == 302
    assert not _signed_in(leaver_browser)
    assert app.test_client().get("/api/v1/me", headers=_bearer(leaver_access)).status_code == 401
    # and 注销 cannot sign in again
    again = app.test_client()
    login(again, leaver.username, PASSWORD)
    assert not _signed_in(again)


def test_idle_and_absolute_timeouts(app, client, users, monkeypatch):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    start = sessions.now()
    monkeypatch.setattr(sessions, "now", lambda: start + dt.timedelta(minutes=29))
    assert _signed_in(client)  # active: the idle clock starts again
    monkeypatch.setattr(sessions, "now", lambda: start + dt.timedelta(minutes=29 + 31))
    response = client.get("/profile/")
    assert response.status_code == 302 and "/login/" in response.location

    monkeypatch.undo()
    login(client, person.username, PASSWORD)
    assert _signed_in(client)
    with app.app_context():  # signed in 12 hours ago, active all along
        db.session.execute(update(AccountSession).values(created_at=sessions.now() - dt.timedelta(hours=12, minutes=1)))
        db.session.commit()
    assert not _signed_in(client)


def test_sign_in_gives_a_new_session_id_and_csrf_token(app, client, users):
    person = users.person(users.unit("330101"))
    before = csrf_from(client.get("/login/").get_data(as_text=True))
    login(client, person.username, PASSWORD)
    with client.session_transaction() as cookie:
        first_sid, first_csrf = cookie[sessions.SESSION_KEY], cookie.get("csrf_token")
    assert first_csrf is None or first_csrf != before
    after = csrf_from(client.get("/account/password/").get_data(as_text=True))
    assert after != before
    client.get("/logout/")
    login(client, person.username, PASSWORD)
    with client.session_transaction() as cookie:
        assert cookie[sessions.SESSION_KEY] != first_sid


def test_refresh_tokens_rotate_and_a_replayed_one_ends_the_session(app, users):
    person = users.person(users.unit("330101"))
    api = app.test_client()
    access, refresh = _tokens(api, person.username)
    renewed = api.post("/api/v1/security/refresh", headers=_bearer(refresh))
    assert renewed.status_code == 200
    new_refresh = renewed.json["refresh_token"]
    assert new_refresh != refresh
    # The attacker replays the old refresh token: refused, and the session is over for both.
    assert api.post("/api/v1/security/refresh", headers=_bearer(refresh)).status_code == 401
    assert api.post("/api/v1/security/refresh", headers=_bearer(new_refresh)).status_code == 401
    assert api.get("/api/v1/me", headers=_bearer(renewed.json["access_token"])).status_code == 401


def _reforged(token: str, key: str, algorithm: str = "HS256", **changes) -> str:
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_token_forged_altered_or_expired_is_refused(app, users):
    unit = users.unit("330101")
    victim, attacker = users.person(unit, name="受害者"), users.person(unit)
    api = app.test_client()
    access, _ = _tokens(api, attacker.username)
    assert api.get("/api/v1/me", headers=_bearer(access)).status_code == 200
    victim_id = jwt.decode(_tokens(api, victim.username)[0], options={"verify_signature": False})["sub"]
    head, _, signature = access.split(".")
    forged = {
        # Their own token, saying it is the victim's, under a key they guessed or with no signature at all.
        "other key": _reforged(access, "a key the attacker chose, long enough", sub=victim_id),
        "no signature": _reforged(access, "", algorithm="none", sub=victim_id),
        # The victim's id in their own token's payload, their own signature kept.
        "altered payload": ".".join([head, _reforged(access, "any key: only the payload is kept", sub=victim_id).split(".")[1],
                                     signature]),
        # Their own token, once it has expired (signed with the portal's key as if it were the portal's).
        "expired": _reforged(access, app.config.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"], exp=int(time.time()) - 60),
    }
    for what, token in forged.items():
        answer = api.get("/api/v1/me", headers=_bearer(token))
        assert answer.status_code == 401, what
        assert "受害者" not in answer.get_data(as_text=True), what
        assert answer.json["message"].endswith("请重新登录。"), what


def test_no_refresh_while_the_account_is_locked(app, users):
    person = users.person(users.unit("330101"))
    api = app.test_client()
    _, refresh = _tokens(api, person.username)
    # Someone guesses its password through the API: the account is locked for the API.
    for _ in range(5):
        api.post("/api/v1/security/login", json={"username": person.username, "password": "guess", "provider": "db"})
    assert api.post("/api/v1/security/refresh", headers=_bearer(refresh)).status_code == 401


@pytest.fixture
def redis_app(database_url, tmp_path):
    return make_test_app(database_url, tmp_path / "instance", REDIS_URL="redis://127.0.0.1:6379/0")


def test_redis_store_ends_sessions_and_rotates_refresh_tokens(redis_app, users):
    person = users.person(users.unit("330101"))
    browser = redis_app.test_client()
    login(browser, person.username, PASSWORD)
    thief = _stolen(redis_app, browser)
    assert _signed_in(thief)
    api = redis_app.test_client()
    access, refresh = _tokens(api, person.username)
    renewed = api.post("/api/v1/security/refresh", headers=_bearer(refresh))
    assert renewed.status_code == 200
    assert api.post("/api/v1/security/refresh", headers=_bearer(refresh)).status_code == 401
    access, _ = _tokens(api, person.username)
    with redis_app.app_context():
        assert db.session.query(AccountSession).count() == 0  # nothing in the database
        user = db.session.get(Person, person.id).user
        from portal.accounts import services

        services.set_password(user, "Amber-lantern-river-7", must_change=False)
        db.session.commit()
    assert not _signed_in(thief)
    assert api.get("/api/v1/me", headers=_bearer(access)).status_code == 401
