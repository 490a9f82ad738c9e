"""Reference dictionaries: the defaults after migration, the API, resolving by code or name,
and the provincial admin's editor refusing broken entries."""
from sqlalchemy import event, text

from portal.dictionaries import services
from portal.extensions import db
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


def _entry(app, dictionary, code):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import DictionaryEntry
    with app.app_context():
        entry = db.session.scalar(select(DictionaryEntry).where(DictionaryEntry.dictionary == dictionary,
                                                                DictionaryEntry.code == code))
        return None if entry is None else (entry.id, entry.name, entry.code, entry.enabled)


def test_a_used_credit_level_is_neither_deleted_nor_recoded_and_a_duplicate_code_is_explained(app, client, users):
    import datetime as dt

    from tests.helpers import approved_record
    province = users.province_admin()
    learner = users.person(users.unit("330101"), self_entry=True)
    for day in (1, 2):
        approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, day), {"credits": "2", "hours": "6"}, "provincial")
    login(client, province.username, PASSWORD)
    entry_id, name, _code, _enabled = _entry(app, "credit_levels", "provincial")
    token = csrf_from(client.get("/dictionaries/list/").get_data(as_text=True))
    refused = client.post(f"/dictionaries/delete/{entry_id}", data={"csrf_token": token}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert f"已有 2 条学分记录使用“{name}”，不能删除" in text and "停用" in text
    assert _entry(app, "credit_levels", "provincial")[0] == entry_id
    form = {"csrf_token": token, "dictionary": "credit_levels", "code": "provincial2", "name": name, "credit_class": "I",
            "position": "2", "enabled": "y"}
    recoded = client.post(f"/dictionaries/edit/{entry_id}", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已有 2 条学分记录使用编码 provincial" in recoded
    assert _entry(app, "credit_levels", "provincial")[0] == entry_id and _entry(app, "credit_levels", "provincial2") is None
    duplicate = client.post("/dictionaries/add", data={**form, "code": "national"}, follow_redirects=True)
    text = duplicate.get_data(as_text=True)
    assert "该字典中已有编码 national" in text and "IntegrityError" not in text and "SQL" not in text
    # Disabling is the way out: the records keep their level's name.
    unticked = {k: v for k, v in form.items() if k != "enabled"}
    disabled = client.post(f"/dictionaries/edit/{entry_id}", data={**unticked, "code": "provincial"}, follow_redirects=True)
    assert disabled.status_code == 200 and _entry(app, "credit_levels", "provincial")[3] is False
    assert "/dictionaries/list/" in disabled.request.path


def test_an_unused_entry_can_be_deleted(app, client, users):
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    token = csrf_from(client.get("/dictionaries/add").get_data(as_text=True))
    client.post("/dictionaries/add", data={"csrf_token": token, "dictionary": "hosting_methods", "code": "tmp",
                                           "name": "临时方式", "credit_class": "", "position": "9", "enabled": "y"})
    entry_id = _entry(app, "hosting_methods", "tmp")[0]
    client.post(f"/dictionaries/delete/{entry_id}", data={"csrf_token": token})
    assert _entry(app, "hosting_methods", "tmp") is None


def test_a_change_made_outside_the_portal_shows_on_the_next_request_and_nothing_unchanged_is_read_again(app, users):
    """Dictionaries are kept across requests (portal.request_memo.kept); the database's trigger on
    every change to them tells the next request, whoever made the change: here SQL sent by hand."""
    learner = users.person(users.unit("330101"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}

    def levels() -> dict[str, str]:
        return {e["code"]: e["name"] for e in client.get("/api/v1/dictionaries/credit_levels", headers=headers).json["entries"]}

    read = []

    def listen(_conn, _cursor, statement, *_args):
        read.append("dictionary_entry" in statement)

    assert levels()["county"] == "县级继续医学教育项目"
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert levels()["county"] == "县级继续医学教育项目"
        assert read and not any(read)  # kept: the entries were not read again
        with engine.begin() as connection:  # as an operator's psql session would
            connection.execute(text("UPDATE dictionary_entry SET name = '县级项目（改）' "
                                    "WHERE dictionary = 'credit_levels' AND code = 'county'"))
        assert levels()["county"] == "县级项目（改）"
    finally:
        event.remove(engine, "before_cursor_execute", listen)
        with engine.begin() as connection:
            connection.execute(text("UPDATE dictionary_entry SET name = '县级继续医学教育项目' "
                                    "WHERE dictionary = 'credit_levels' AND code = 'county'"))
    assert levels()["county"] == "县级继续医学教育项目"
