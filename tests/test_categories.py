"""Credit categories as configuration: the defaults after migration, the learner-facing API,
and the provincial admin's editor (the type's own parameter form, preview, validation)."""
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditCategory
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, login

TABLE_CELLS = {f"params-table-{r}-{c}": str(points) for r, row in enumerate([[10, 9, 8, 7, 6], [8, 7, 6, 5, 4], [6, 5, 4, 3, 2]])
               for c, points in enumerate(row)}


def test_default_categories_exist_after_migration(app):
    with app.app_context():
        categories = {c.name: c for c in db.session.scalars(select(CreditCategory))}
    assert len(categories) == 20
    assert categories["非向导录入"].type_slug == "free_form"
    assert categories["赴外省国家级项目"].credit_class == "I"
    assert categories["赴外省省级(国家一级学会)项目"].params["hours_per_credit"] == "6"
    assert categories["自学综述"].yearly_cap == Decimal("5.00")
    shared = {c.cap_group for n, c in categories.items() if c.type_slug == "academic_activity"}
    assert shared == {"unit_activities"}
    assert categories["经批准到外单位进修未满6个月"].params["max_months"] == 5


def test_api_describes_categories_with_fields_and_wizard(app, users):
    learner = users.person(users.unit("330101"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    result = client.get("/api/v1/credit-categories/", headers=headers).json["result"]
    research = next(c for c in result if c["name"] == "科研立项")
    assert research["type"] == "research" and research["class"] == "II"
    provincial = next(g for g in research["wizard"] if g["name"] == "省级科研立项")
    assert {"id": "省级:2", "name": "第2成员", "credits": "7.00"}.items() <= provincial["rules"][1].items()
    assert [f["name"] for f in research["fields"]] == ["level", "rank"]
    assert next(c for c in result if c["name"] == "非向导录入")["wizard"] == []


def test_province_admin_creates_a_category_from_a_type_with_preview(app, client, users):
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    assert "research" in client.get("/categories/new").get_data(as_text=True)
    token = csrf_from(client.get("/categories/new/research").get_data(as_text=True))
    form = {"csrf_token": token, "name": "市级科研立项(试行)", "credit_class": "II", "position": "30", "enabled": "y",
            **TABLE_CELLS, "params-table-1-0": "9.5"}
    preview = client.post("/categories/new/research", data={**form, "action": "preview"}).get_data(as_text=True)
    assert "9.50" in preview
    with app.app_context():
        assert db.session.scalar(select(CreditCategory).where(CreditCategory.name == "市级科研立项(试行)")) is None
    saved = client.post("/categories/new/research", data={**form, "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "市级科研立项(试行)"))
        assert category.params["table"]["省级"][0] == "9.50" and category.type_slug == "research"
        db.session.delete(category)
        db.session.commit()


def test_editor_shows_errors_beside_fields_and_keeps_input(app, client, users):
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    token = csrf_from(client.get("/categories/new/research").get_data(as_text=True))
    page = client.post("/categories/new/research", data={
        "csrf_token": token, "name": "科研立项", "credit_class": "II", "valid_from": "2025", "valid_to": "2020",
        "cap_group": "research", **TABLE_CELLS, "params-table-2-4": "abc", "action": "save"}).get_data(as_text=True)
    assert "不能早于" in page and "需要设置年度上限" in page and "不小于0" in page
    assert 'value="2025"' in page  # nothing typed is lost
    fixed = client.post("/categories/new/research", data={
        "csrf_token": token, "name": "科研立项", "credit_class": "II", **TABLE_CELLS, "action": "save"}).get_data(as_text=True)
    assert "已有" in fixed  # the name is taken by the default category


def test_only_the_provincial_admin_configures_categories(app, client, users):
    unit_admin = users.person(users.unit("330101"), role="unit_admin")
    login(client, unit_admin.username, PASSWORD)
    assert client.get("/categories/").status_code in (302, 403)
    assert client.get("/categories/new/research").status_code in (302, 403)


def test_moving_a_category_in_the_summary_moves_its_approved_credits(app, client, users):
    import datetime as dt

    from portal.compliance import summaries
    from portal.models import CreditYearBucket
    from tests.helpers import approved_record

    province = users.province_admin()
    learner = users.person(users.unit("330101"), self_entry=True)
    approved_record(app, learner.id, "自学综述", dt.date(2025, 2, 1), {"characters": 4000})
    with app.app_context():
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "自学综述"))
        category_id, node = category.id, category.summary_node
    login(client, province.username, PASSWORD)
    page = client.get(f"/categories/{category_id}/edit").get_data(as_text=True)
    assert '<option selected value="self_study">II类学分 / 自学笔记</option>' in page
    form = {"csrf_token": csrf_from(page), "name": "自学综述", "credit_class": "II", "summary_node": "other",
            "yearly_cap": "5", "enabled": "y", "params-characters_per_credit": "2000", "action": "save"}
    try:
        assert client.post(f"/categories/{category_id}/edit", data=form).status_code == 302
        with app.app_context():
            nodes = db.session.scalars(select(CreditYearBucket.node).where(CreditYearBucket.person_id == learner.id))
            assert list(nodes) == ["other"]
            assert summaries.drift() == []
    finally:
        with app.app_context():
            db.session.get(CreditCategory, category_id).summary_node = node
            db.session.commit()
