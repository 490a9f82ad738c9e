"""Reference dictionaries: the defaults after migration, the API, resolving by code or name,
and the provincial admin's editor refusing broken entries."""
from portal.dictionaries import services
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, login


def test_defaults_exist_after_migration(app):
    with app.app_context():
        classes = services.level_classes()
        assert classes["national"] == "I" and classes["annual_meeting"] == "I" and classes["county"] == "II"
        disciplines = services.tree("disciplines")
        clinical = next(d for d in disciplines if d["name"] == "临床内科学")
        assert "心血管病学" in [c["name"] for c in clinical["children"]]
        assert [d["name"] for d in disciplines][-1] == "其它"
        assert [a["name"] for a in services.tree("activity_types")] == ["个人活动", "集体活动"]
        assert "远程教育" in [h["name"] for h in services.tree("hosting_methods")]


def test_values_resolve_by_code_or_chinese_name(app):
    with app.app_context():
        assert services.resolve("credit_levels", "省级继续医学教育项目").code == "provincial"
        assert services.resolve("credit_levels", "provincial").name == "省级继续医学教育项目"
        assert services.resolve("credit_levels", "不存在") is None
        assert services.resolve("hosting_methods", "") is None


def test_api_serves_dictionaries_to_learners(app, users):
    learner = users.person(users.unit("330101"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    levels = client.get("/api/v1/dictionaries/credit_levels", headers=headers)
    assert levels.status_code == 200
    assert {"code": "national", "name": "国家级继续医学教育项目", "class": "I", "children": []} in levels.json["entries"]
    assert client.get("/api/v1/dictionaries/passwords", headers=headers).status_code == 404
    assert client.get("/api/v1/dictionaries/credit_levels").status_code == 401


def test_editor_refuses_a_credit_level_without_class_and_learners_cannot_open_it(app, client, users):
    learner_client = app.test_client()
    login(learner_client, users.person(users.unit("330101")).username, PASSWORD)
    assert learner_client.get("/dictionaries/list/").status_code in (302, 403)
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    token = csrf_from(client.get("/dictionaries/add").get_data(as_text=True))
    form = {"csrf_token": token, "dictionary": "credit_levels", "code": "town", "name": "乡镇级项目", "credit_class": "",
            "position": "9"}
    refused = client.post("/dictionaries/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert "学分类别" in refused
    with app.app_context():
        assert services.resolve("credit_levels", "town") is None
    client.post("/dictionaries/add", data={**form, "credit_class": "II", "enabled": "y"})
    with app.app_context():
        assert services.level_classes()["town"] == "II"
