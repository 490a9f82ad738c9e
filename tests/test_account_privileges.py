"""A unit admin changes only accounts within what they may grant (learners of their unit): from
the attacker's side, a unit admin trying to take over a fellow unit admin or a provincial admin
who has a person row in the unit, by password reset, role change or edit, on web and API."""
import pytest

from portal.accounts.roles import PROVINCE_ADMIN
from portal.extensions import db
from portal.models import Person
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, login


def _bearer(client, made):
    return {"Authorization": f"Bearer {api_token(client, made.username, made.password)}"}


def _give_role(app, person_id, role):
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.user.roles = [*person.user.roles, app.appbuilder.sm.find_role(role)]
        db.session.commit()


def _password_hash(app, person_id):
    with app.app_context():
        return db.session.get(Person, person_id).user.password


@pytest.fixture
def unit_with_admins(app, users):
    unit = users.unit("330101")
    attacker = users.person(unit, role="unit_admin", name="甲管理")
    colleague = users.person(unit, role="unit_admin", name="乙管理")
    province = users.person(unit, name="省里人")
    _give_role(app, province.id, PROVINCE_ADMIN)
    learner = users.person(unit, name="普通学员")
    return attacker, colleague, province, learner


def test_unit_admin_cannot_reset_a_fellow_admin_or_a_provincial_admin_on_the_web(app, client, unit_with_admins):
    attacker, colleague, province, learner = unit_with_admins
    login(client, attacker.username, PASSWORD)
    token = csrf_from(client.get(f"/people/{learner.id}").get_data(as_text=True))
    for victim in (colleague, province):
        before = _password_hash(app, victim.id)
        response = client.post(f"/people/{victim.id}/reset-password", data={"csrf_token": token})
        assert response.status_code == 403
        assert 'id="initial-password"' not in response.get_data(as_text=True)
        assert _password_hash(app, victim.id) == before
        # The detail page offers no reset, edit or self-entry button for them.
        page = client.get(f"/people/{victim.id}").get_data(as_text=True)
        assert "reset-password" not in page and f"/people/{victim.id}/edit" not in page
        assert client.get(f"/people/{victim.id}/edit").status_code == 403
        edited = client.post(f"/people/{victim.id}/edit", data={"csrf_token": token, "name": "x", "mobile": "13900000001"})
        assert edited.status_code == 403
    # The victims still sign in with their own password.
    assert login(app.test_client(), province.username, PASSWORD).status_code == 302
    # A learner of the unit is still theirs to reset.
    reset = client.post(f"/people/{learner.id}/reset-password", data={"csrf_token": token})
    assert 'id="initial-password"' in reset.get_data(as_text=True)


def test_unit_admin_cannot_reset_or_change_privileged_accounts_through_the_api(app, unit_with_admins):
    attacker, colleague, province, learner = unit_with_admins
    api = app.test_client()
    headers = _bearer(api, attacker)
    for victim in (colleague, province):
        before = _password_hash(app, victim.id)
        reset = api.post(f"/api/v1/people/{victim.id}/reset-password", headers=headers)
        assert reset.status_code == 403 and "initial_password" not in reset.json
        assert _password_hash(app, victim.id) == before
        changed = api.put(f"/api/v1/people/{victim.id}", headers=headers, json={"mobile": "13900000002"})
        assert changed.status_code == 403
        granted = api.put(f"/api/v1/people/{victim.id}", headers=headers, json={"self_entry": True})
        assert granted.status_code == 403
    with app.app_context():
        assert db.session.get(Person, province.id).mobile != "13900000002"
    assert api.post(f"/api/v1/people/{learner.id}/reset-password", headers=headers).status_code == 200


def test_batch_self_entry_skips_accounts_beyond_the_grant(app, client, unit_with_admins):
    attacker, colleague, province, learner = unit_with_admins
    login(client, attacker.username, PASSWORD)
    token = csrf_from(client.get("/people/").get_data(as_text=True))
    response = client.post("/people/self-entry", follow_redirects=True, data={
        "csrf_token": token, "grant": "1", "person_id": [colleague.id, province.id, learner.id]})
    assert "已为 1 人开通" in response.get_data(as_text=True)
    with app.app_context():
        roles = {p.id: {r.name for r in p.user.roles} for p in db.session.query(Person)}
    assert "SelfEntry" in roles[learner.id]
    assert "SelfEntry" not in roles[colleague.id] and "SelfEntry" not in roles[province.id]


def test_provincial_admin_may_reset_a_unit_admin(app, users, unit_with_admins):
    _, colleague, _, _ = unit_with_admins
    province = users.province_admin()
    api = app.test_client()
    reset = api.post(f"/api/v1/people/{colleague.id}/reset-password", headers=_bearer(api, province))
    assert reset.status_code == 200 and len(reset.json["initial_password"]) >= 12
