from portal.accounts.password_policy import password_problems


def test_short_common_username_and_id_digits_are_refused(app):
    with app.test_request_context():
        assert password_problems("Ab3$x", "zhangsan")           # too short
        assert password_problems("password123", "zhangsan")     # common
        assert password_problems("Woaini1314", "zhangsan")      # common, case-insensitive
        assert password_problems("zhangsan-2024", "zhangsan")   # contains the username
        assert password_problems("xy198001015z", "li", "330102198001011234")  # 6+ digits of the ID
        assert password_problems("Kx7!river-stone", "zhangsan", "330102198001011234") == []


def test_messages_say_how_to_fix_in_chinese(app):
    with app.test_request_context():
        problems = password_problems("123", "zhangsan")
    assert any("8" in p for p in problems)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p) for p in problems)


def test_the_list_is_a_real_one_matched_after_normalisation(app):
    from portal.accounts.password_policy import _common_passwords

    assert len(_common_passwords()) > 30000
    with app.test_request_context():
        for weak in ("Aa123456!", "P@ssw0rd", "Dragon2024", "Qwerty123!", "PASSWORD!!", "iloveyou2!", "Sunshine#2025"):
            assert password_problems(weak, "zhangsan"), weak
        for fine in ("Kx7!river-stone", "Quiet-harbour-lantern-9", "Zq9#mLp2vR"):
            assert password_problems(fine, "zhangsan") == [], fine


def test_every_path_that_sets_a_password_applies_the_policy(app, client, users):
    import pytest

    from portal.accounts import services as accounts
    from portal.accounts.password_policy import WeakPassword
    from portal.extensions import db
    from portal.models import Person
    from tests.conftest import csrf_from
    from tests.helpers import PASSWORD, api_token, login

    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    token = csrf_from(client.get("/account/password/").get_data(as_text=True))
    web = client.post("/account/password/", data={"csrf_token": token, "old_password": PASSWORD,
                                                   "new_password": "Aa123456!", "confirm": "Aa123456!"})
    assert web.status_code == 200 and "常见" in web.get_data(as_text=True)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {api_token(api, person.username, PASSWORD)}"}
    refused = api.post("/api/v1/me/password", headers=bearer, json={"old_password": PASSWORD, "new_password": "P@ssw0rd1"})
    assert refused.status_code == 400
    cli = app.test_cli_runner().invoke(args=["portal", "create-admin", "--username", "chief2", "--password", "Aa123456!"])
    assert cli.exit_code != 0
    with app.test_request_context():
        user = db.session.get(Person, person.id).user
        with pytest.raises(WeakPassword):
            accounts.set_password(user, "Dragon2024", must_change=False)
        with pytest.raises(WeakPassword):
            accounts.create_user("weakling", "弱", ["Learner"], password="Qwerty123!")
        db.session.rollback()
        assert accounts.find_user("chief2") is None and accounts.find_user("weakling") is None
        initial = accounts.generate_initial_password()
        assert password_problems(initial) == []


def test_the_frameworks_own_password_and_user_screens_and_apis_are_gone(app, client, users):
    from tests.helpers import PASSWORD, api_token, login

    province = users.province_admin()
    login(client, province.username, PASSWORD)
    for path in ("/users/list/", "/users/add", "/users/edit/1", "/resetpassword/form?pk=1", "/resetmypassword/form",
                 "/userinfoeditview/form", "/roles/list/", "/users/userinfo/"):
        assert client.get(path).status_code == 404, path
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {api_token(api, province.username, PASSWORD)}"}
    created = api.post("/api/v1/security/users/", headers=bearer, json={
        "username": "sneaky", "first_name": "x", "last_name": "y", "email": "s@example.com", "password": "123", "roles": [1],
        "active": True})
    assert created.status_code == 404 and "123" not in created.get_data(as_text=True)
    assert api.put(f"/api/v1/security/users/{province.id}", headers=bearer, json={"password": "123"}).status_code == 404
    assert api.get("/api/v1/security/roles/", headers=bearer).status_code == 404
