"""The credit-type contract as a third-party author meets it: a type declares how it is entered
(a type without a wizard is entered through the free form), the core never names a particular
type, and the merge of the types that were configuration (migration 0010) keeps stored records."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditCategory, CreditRecord
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, TestUsers, api_token, approved_record, login, make_test_app
from tests.test_plugins import dispose, fake_distribution, on_sys_path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# A whole third-party credit type: no wizard, so learners enter it through the free form.
VOLUNTEERING = """
from wtforms import DecimalField, Form
from wtforms.validators import InputRequired, NumberRange

from portal.contracts import CreditType, Score
from portal.hookspecs import hookimpl


class Volunteering(CreditType):
    slug = "volunteering"
    label = "Volunteering"

    class Fields(Form):
        days = DecimalField("Days", [InputRequired(), NumberRange(min=1, max=30)])

    def score(self, data, params, context):
        return Score(credits=data["days"] / 2)


@hookimpl
def register_credit_types():
    return [Volunteering]
"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "green").save(out, "PNG")
    return out.getvalue()


def common(unit_id: int, **overrides) -> dict:
    return {"activity_name": "社区义诊", "activity_number": "", "activity_date": "2025-04-12", "credit_level": "other",
            "hosting_method": "", "discipline": "02", "sub_discipline": "0201", "issuing_unit_id": str(unit_id),
            "remarks": "", **overrides}


@pytest.fixture(scope="module")
def volunteer_app(app, database_url, tmp_path_factory):
    """An app with the third-party type installed, on the test database (``app`` prepared it)."""
    site = fake_distribution(tmp_path_factory.mktemp("site"), {"volunteering": VOLUNTEERING})
    with on_sys_path(site):
        plugin_app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    yield plugin_app
    with plugin_app.app_context():
        for category in db.session.scalars(select(CreditCategory).where(CreditCategory.type_slug == "volunteering")):
            db.session.delete(category)
        db.session.commit()
    dispose(plugin_app)


def test_a_type_without_a_wizard_is_entered_through_the_api_and_the_free_form_reviewed_and_counted(app, volunteer_app):
    users = TestUsers(volunteer_app)
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    reviewer = users.person(unit, role="unit_admin", name="李四")
    province = users.province_admin()

    # The province configures a category of the new type in the category editor.
    admin = volunteer_app.test_client()
    login(admin, province.username, PASSWORD)
    token = csrf_from(admin.get("/categories/new/volunteering").get_data(as_text=True))
    saved = admin.post("/categories/new/volunteering", data={"csrf_token": token, "name": "志愿服务", "credit_class": "II",
                                                             "position": "40", "enabled": "y", "action": "save"})
    assert saved.status_code == 302

    api = volunteer_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(api, learner.username, PASSWORD)}"}
    listed = api.get("/api/v1/credit-categories/", headers=headers).json["result"]
    described = next(c for c in listed if c["name"] == "志愿服务")
    assert (described["entry"], described["wizard"]) == (["form"], [])
    assert next(c for c in listed if c["name"] == "科研立项")["entry"] == ["wizard"]

    # Through the API: no wizard_choice needed.
    entered = api.post("/api/v1/credits/", headers=headers, json={
        "category_id": described["id"], "fields": {**common(unit), "issuing_unit_id": unit, "days": "3"}})
    assert entered.status_code == 201, entered.get_data(as_text=True)
    by_api = entered.json["result"]
    assert (by_api["credits"], by_api["category"]["type"], by_api["wizard_choice"]) == ("1.50", "volunteering", None)
    upload = api.post(f"/api/v1/credits/{by_api['id']}/evidence", headers=headers,
                      data={"file": (io.BytesIO(png()), "证明.png")}, content_type="multipart/form-data")
    assert upload.status_code == 201
    assert api.post(f"/api/v1/credits/{by_api['id']}/submit", headers=headers).status_code == 200

    # Through the free-form page: it now offers both free-form categories, each with its own fields.
    web = volunteer_app.test_client()
    login(web, learner.username, PASSWORD)
    page = web.get("/credits/new/free").get_data(as_text=True)
    assert "非向导录入" in page and f'href="/credits/new/free?category={described["id"]}"' in page
    assert 'name="f-credits"' in page and 'name="f-days"' not in page  # the first category's fields
    page = web.get(f"/credits/new/free?category={described['id']}").get_data(as_text=True)
    assert 'name="f-days"' in page and 'name="f-credits"' not in page
    assert "科研立项" not in page  # wizard-only categories are not offered here
    with volunteer_app.app_context():
        research = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "科研立项"))
    assert web.get(f"/credits/new/free?category={research}").status_code == 404
    posted = web.post(f"/credits/new/free?category={described['id']}", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), **common(unit, activity_name="社区义诊（第二期）"), "f-days": "4", "action": "submit",
        "evidence": (io.BytesIO(png()), "证明.png")})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    with volunteer_app.app_context():
        by_page = db.session.scalar(select(CreditRecord).where(CreditRecord.id != by_api["id"],
                                                               CreditRecord.person_id == learner.id))
        assert (by_page.category.name, by_page.credits, by_page.status) == ("志愿服务", 2, "submitted")
        by_page_id = by_page.id

    # The unit admin reviews both; the learner's 学分情况查询 counts them.
    review = volunteer_app.test_client()
    review_headers = {"Authorization": f"Bearer {api_token(review, reviewer.username, PASSWORD)}"}
    versions = {str(i): review.get(f"/api/v1/credits/{i}", headers=review_headers).json["result"]["version"]
                for i in (by_api["id"], by_page_id)}
    decided = review.post("/api/v1/reviews/", headers=review_headers,
                          json={"ids": [by_api["id"], by_page_id], "versions": versions, "decision": "approve"})
    assert decided.status_code == 200, decided.get_data(as_text=True)
    query = api.get("/api/v1/credits/?status=approved&from=2025-01-01&to=2025-12-31", headers=headers).json
    assert (query["count"], query["totals"]["credits"]) == (2, "3.50")


def test_a_wizard_type_still_needs_its_rule(app, volunteer_app):
    users = TestUsers(volunteer_app)
    unit = users.unit("330102")
    learner = users.person(unit, self_entry=True)
    client = volunteer_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    with volunteer_app.app_context():
        research = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "科研立项"))
    refused = client.post("/api/v1/credits/", headers=headers, json={
        "category_id": research, "fields": {**common(unit), "issuing_unit_id": unit, "level": "省级", "rank": 2}})
    assert refused.status_code == 400
    assert refused.json["message"]["wizard_choice"] == ["请选择本类别的一项具体规定。"]


def test_the_core_names_no_credit_type(app):
    """The core asks the contract how a type is entered; it never names a type by its slug."""
    slugs = list(app.extensions["portal"].credit_types)
    assert "free_form" in slugs
    for path in [*PORTAL.rglob("*.py"), *PORTAL.rglob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert not [s for s in slugs if f'"{s}"' in text or f"'{s}'" in text], path


def test_merging_the_types_keeps_records_and_goes_back(app, users):
    """Migration 0010 moves categories and records of 进修/aid work and of written works to the
    merged types (a 进修 record entered through the wizard gets the rule of its months), and
    its downgrade restores the old slugs."""
    learner = users.person(users.unit("330103"), self_entry=True)
    users.province_admin()
    training = approved_record(app, learner.id, "经批准到外单位进修未满6个月", dt.date(2025, 2, 1), {"months": 3},
                               wizard_rule="3")
    review = approved_record(app, learner.id, "自学综述", dt.date(2025, 3, 1), {"characters": 4000},
                             wizard_rule="characters")
    migrations = app.extensions["migrate"].directory

    def state():
        with app.app_context():
            slugs = dict(db.session.execute(select(CreditCategory.name, CreditCategory.type_slug)).tuples().all())
            # Columns, not the entity: the schema of an older revision lacks later columns.
            rows = {r.id: (r.type_slug, r.wizard_rule, str(r.credits)) for r in db.session.execute(
                select(CreditRecord.id, CreditRecord.type_slug, CreditRecord.wizard_rule, CreditRecord.credits))}
            db.session.remove()
        return slugs, rows

    with app.app_context():
        db.session.remove()
        downgrade(directory=migrations, revision="0009")
    try:
        slugs, rows = state()
        assert (slugs["援助西部、农村、海岛、援外等医疗活动6个月及以上"], slugs["经批准到外单位进修未满6个月"],
                slugs["自学综述"], slugs["出版医学著作"]) == ("aid_work", "training", "self_study", "publication")
        assert rows == {training: ("training", "months", "15.00"), review: ("self_study", "characters", "2.00")}
    finally:
        with app.app_context():
            upgrade(directory=migrations)
            db.session.remove()
    slugs, rows = state()
    months = ("援助西部、农村、海岛、援外等医疗活动6个月及以上", "经批准到外单位进修未满6个月")
    assert {slugs[n] for n in months} == {"months_away"}
    assert {slugs[n] for n in ("自学综述", "出版医学著作", "发表医学译文")} == {"written_work"}
    assert rows == {training: ("months_away", "3", "15.00"), review: ("written_work", "characters", "2.00")}


def test_stays_away_and_written_works_are_entered_through_the_wizard(app, users):
    """进修 and aid work: a rule per length fixes the months and the credits; a written work's
    rule states the category's rate and the learner enters the length."""
    unit = users.unit("330104")
    learner = users.person(unit, self_entry=True)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    listed = {c["name"]: c for c in client.get("/api/v1/credit-categories/", headers=headers).json["result"]}
    short = listed["经批准到外单位进修未满6个月"]
    assert short["entry"] == ["wizard"]
    assert [(r["id"], r["credits"]) for r in short["wizard"][0]["rules"]] == [
        ("1", "5.00"), ("2", "10.00"), ("3", "15.00"), ("4", "20.00"), ("5", "25.00")]
    fields = {**common(unit), "issuing_unit_id": unit, "hosting_method": "h01"}
    stay = client.post("/api/v1/credits/", headers=headers,
                       json={"category_id": short["id"], "wizard_choice": "3", "fields": fields}).json["result"]
    assert (stay["credits"], stay["fields"]["months"], stay["deems_compliant"]) == ("15.00", 3, False)
    review = client.post("/api/v1/credits/", headers=headers, json={
        "category_id": listed["自学综述"]["id"], "wizard_choice": "characters", "fields": {**fields, "characters": 4000}})
    assert review.json["result"]["credits"] == "2.00"

    web = app.test_client()
    login(web, learner.username, PASSWORD)
    step3 = web.get(f"/credits/wizard?category={short['id']}&group=0").get_data(as_text=True)
    assert f"/credits/new/{short['id']}?rule=3" in step3 and "15.00" in step3
    form = web.get(f"/credits/new/{short['id']}?rule=3").get_data(as_text=True)
    assert 'name="f-months"' not in form and "3个月" in form  # the rule fixed the months
