from tests.helpers import PASSWORD, api_token, login


def test_login_then_profile(app, client, users):
    unit = users.unit("330101")
    person = users.person(unit)
    response = login(client, person.username, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/profile/")
    assert page.status_code == 200
    assert person.id_number in page.get_data(as_text=True)


def test_api_me(app, client, users):
    unit = users.unit("330101")
    person = users.person(unit)
    token = api_token(client, person.username, PASSWORD)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["result"]["person"]["id_number"] == person.id_number
