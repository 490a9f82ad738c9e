"""Compliance standards as data: the provincial admin's editor (rows, preview, validation,
warnings), 达标标准浏览 for everyone with the reader's own rule set highlighted, and the API.

Rule sets are configuration, not emptied between tests: every test that changes them restores
the table (``restore_rule_sets``). Expected texts are translated in the app's locale, so the
tests hold with or without the Chinese catalogue."""
import datetime as dt
import re

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditCategory, RuleSet
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, login

TRANSITIONAL = "过渡期继续医学教育学分标准(2019—2024年)"
COUNTY = "过渡期县级及以下医疗卫生机构学分标准(2019—2024年)"
NATIONAL_2024 = "2024年全国继续医学教育学分标准"


def t(app, message: str, **values) -> str:
    """``message`` as the pages show it."""
    with app.test_request_context():
        return gettext(message, **values)


def ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(RuleSet.name, RuleSet.id)).all())


def category_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == name))


def admin_client(client, users):
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    return client


def form(client, **changes):
    """A complete editor form (a new rule set for 2030–2031, staff of 二级 units), with ``changes``."""
    data = {
        "csrf_token": csrf_from(client.get("/standards/new").get_data(as_text=True)),
        "name": "测试标准(2030—2031年)", "description": "测试用", "valid_from": "2030", "valid_to": "2031",
        "priority": "5", "enabled": "y", "unit_levels": ["二级"], "min_credits": "30", "min_hours": "",
        "class_1_min": "10", "class_1_max": "", "class_2_min": "10", "interchange_percent": "20",
        "caps-0-category_id": "", "caps-0-cap": "", "caps-1-category_id": "", "caps-1-cap": "",
        "multi_year-0-years": "", "multi_year-0-min_credits": "", "action": "save",
    }
    data.update(changes)
    return data


def highlighted(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="card rule-set applies" data-rule-set="(\d+)"', html)]


def test_editor_round_trip_with_caps_multi_year_and_preview(app, client, users, restore_rule_sets):
    admin_client(client, users)
    self_study, abroad = category_id(app, "自学综述"), category_id(app, "经单位批准,到外单位进修(含出国培训)6个月及以上")
    data = form(client, **{"caps-1-category_id": str(self_study), "caps-1-cap": "3",
                           "multi_year-0-years": "3", "multi_year-0-min_credits": "6",
                           "multi_year-0-nodes": ["national", "provincial"], "deeming_categories": [str(abroad)]})
    sentences = [
        t(app, "At least %(n)s credits a year.", n="30.00"),
        t(app, "%(what)s: at most %(n)s credits count a year.", what="自学综述", n="3.00"),
        t(app, "%(what)s: at least %(n)s credits within %(years)d years.",
          what="国家级继续医学教育项目、省级继续医学教育项目", n="6.00", years=3),
        t(app, "Either class may stand in for up to %(p)d%% of the other's minimum (so at least %(i)s Class I "
               "and %(ii)s Class II credits).", p=20, i="8.00", ii="8.00").replace("'", "&#39;"),
    ]
    preview = client.post("/standards/new", data={**data, "action": "preview"}).get_data(as_text=True)
    assert all(s in preview for s in sentences), preview
    assert "测试标准(2030—2031年)" not in ids(app)

    assert client.post("/standards/new", data=data).status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(RuleSet).where(RuleSet.name == "测试标准(2030—2031年)"))
        assert saved.caps == [{"category_id": self_study, "cap": "3.00"}]
        assert saved.multi_year == [{"years": 3, "min_credits": "6.00", "nodes": ["national", "provincial"], "unit_levels": []}]
        assert (saved.unit_levels, saved.title_levels, saved.valid_to, saved.class_1_max) == (["二级"], [], 2031, None)
        assert saved.deeming_categories == [abroad] and saved.enabled and saved.priority == 5

    browse = client.get("/standards/browse?year=2030").get_data(as_text=True)
    assert "测试标准(2030—2031年)" in browse and all(s in browse for s in sentences)
    assert t(app, "Unit level: %(levels)s", levels="二级") in browse
    assert t(app, "%(first)d–%(last)d", first=2030, last=2031) in browse

    edit = client.get(f"/standards/{saved.id}/edit").get_data(as_text=True)
    assert 'value="3.00"' in edit and 'name="multi_year-0-nodes" value="provincial" checked' in edit
    assert 'name="caps-2-cap"' in edit and 'name="caps-3-cap"' not in edit  # two blank rows after the filled one


def test_validation_shows_every_error_at_once_and_keeps_the_input(app, client, users, restore_rule_sets):
    admin_client(client, users)
    self_study = str(category_id(app, "自学综述"))
    page = client.post("/standards/new", data=form(client, **{
        "name": "2006年全国继续医学教育学分标准", "valid_from": "2031", "valid_to": "2030", "min_credits": "20",
        "class_1_min": "25", "class_1_max": "5", "class_2_min": "-1", "interchange_percent": "150",
        "caps-0-category_id": self_study, "caps-0-cap": "5", "caps-1-category_id": self_study, "caps-1-cap": "6",
        "multi_year-0-years": "5",
    })).get_data(as_text=True)
    for message in ("Another rule set has this name.", "The last valid year cannot be before the first.",
                    "The Class I minimum cannot be above the credits a year.",
                    "The Class I maximum cannot be below the Class I minimum.",
                    "Enter the credits required.", "Tick the kinds of credits that count."):
        assert t(app, message) in page, message
    assert t(app, "Enter a number from %(min)s to %(max)s.", min=0, max=100) in page
    assert t(app, "Enter a number from %(min)s to %(max)s.", min=0, max=999) in page
    assert t(app, "“%(name)s” is capped twice: keep one row.", name="自学综述") in page
    assert 'value="2031"' in page and 'value="150"' in page and 'name="multi_year-0-years" type="number" value="5"' in page
    with app.app_context():
        assert db.session.scalar(select(RuleSet).where(RuleSet.valid_from == 2031)) is None

    groups = client.post("/standards/new", data=form(client, **{
        "min_credits": "25", "class_1_min": "10", "class_2_min": "20",
        "caps-0-category_id": str(category_id(app, "单位组织的学术活动")), "caps-0-cap": "5",
        "caps-1-category_id": str(category_id(app, "病例讨论会、多科室案例讨论会、大查房")), "caps-1-cap": "8",
    })).get_data(as_text=True)
    assert t(app, "The Class I and Class II minima together cannot be above the credits a year.") in groups
    assert t(app, "“%(name)s” and “%(other)s” share one cap (their cap group): keep one row.",
             name="单位组织的学术活动", other="病例讨论会、多科室案例讨论会、大查房") in groups


def test_a_rule_set_competing_at_the_same_priority_is_saved_with_a_warning(app, client, users, restore_rule_sets):
    admin_client(client, users)
    data = form(client, name="过渡期补充标准", valid_from="2020", valid_to="2021", priority="0", unit_levels=[])
    warning = t(app, "“%(other)s” has the same priority and overlaps in years and group; where both fit, "
                     "“%(winner)s” applies only because it was created first. Set different priorities to decide "
                     "explicitly.", other=TRANSITIONAL, winner=TRANSITIONAL)
    assert warning in client.post("/standards/new", data={**data, "action": "preview"}).get_data(as_text=True)
    saved = client.post("/standards/new", data=data, follow_redirects=True).get_data(as_text=True)
    assert warning in saved and "过渡期补充标准" in ids(app)
    # A higher priority decides explicitly: no warning.
    assert warning not in client.post("/standards/new", data={**data, "name": "其他", "priority": "1",
                                                              "action": "preview"}).get_data(as_text=True)


def test_learners_browse_but_do_not_edit(app, client, users):
    learner = users.person(users.unit("330101"))
    login(client, learner.username, PASSWORD)
    county = ids(app)[COUNTY]
    for url in ("/standards/", "/standards/new", f"/standards/{county}/edit"):
        assert client.get(url).status_code in (302, 403), url
    token = csrf_from(client.get("/profile/").get_data(as_text=True))
    assert client.post(f"/standards/{county}/enabled", data={"csrf_token": token, "enabled": "0"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.get(RuleSet, county).enabled
    page = client.get("/standards/browse")
    assert page.status_code == 200 and NATIONAL_2024 in page.get_data(as_text=True)
    assert "/standards/browse" in client.get("/").get_data(as_text=True)  # in the menu


def test_browse_highlights_the_readers_rule_set_of_the_year(app, client, users):
    learner = users.person(users.unit("330199", level="一级", tier="县区"))
    login(client, learner.username, PASSWORD)
    sets = ids(app)
    page = client.get("/standards/browse?year=2022").get_data(as_text=True)
    assert highlighted(page) == [sets[COUNTY]]
    assert t(app, "In %(year)d your standard is “%(name)s” (highlighted below).", year=2022, name=COUNTY) in page
    assert highlighted(client.get("/standards/browse?year=2026").get_data(as_text=True)) == [sets[NATIONAL_2024]]
    assert highlighted(client.get("/standards/browse?year=1995").get_data(as_text=True)) == []
    # Newest period first; within a period, the higher priority first.
    order = [int(i) for i in re.findall(r'<article class="[^"]*" data-rule-set="(\d+)"', page)]
    assert order == [sets[NATIONAL_2024], sets[COUNTY], sets[TRANSITIONAL], sets["2006年全国继续医学教育学分标准"]]

    admin = app.test_client()
    admin_client(admin, users)
    assert highlighted(admin.get("/standards/browse?year=2022").get_data(as_text=True)) == []


def test_disabling_a_rule_set_removes_it_from_browse(app, client, users, restore_rule_sets):
    admin_client(client, users)
    county = ids(app)[COUNTY]
    token = csrf_from(client.get("/standards/").get_data(as_text=True))
    listed = client.post(f"/standards/{county}/enabled", data={"csrf_token": token, "enabled": "0"}, follow_redirects=True)
    assert t(app, "“%(name)s” is disabled: the years not closed yet are judged without it; closed years keep it until "
                  "the province re-judges them.", name=COUNTY) in listed.get_data(as_text=True)
    assert COUNTY not in client.get("/standards/browse").get_data(as_text=True)
    assert COUNTY in client.get("/standards/").get_data(as_text=True)  # the editor still lists it
    learner = users.person(users.unit("330199", level="一级", tier="县区"))
    other = app.test_client()
    login(other, learner.username, PASSWORD)
    # 2022 has closed: it keeps the rule sets it was judged with until the province re-judges it.
    assert highlighted(other.get("/standards/browse?year=2022").get_data(as_text=True)) == [county]
    rejudge = client.get("/standards/years/2022/rejudge").get_data(as_text=True)
    client.post("/standards/years/2022/rejudge", data={"csrf_token": csrf_from(rejudge),
                                                       "changed": re.search(r'name="changed" value="(\d+)"', rejudge)[1]})
    assert highlighted(other.get("/standards/browse?year=2022").get_data(as_text=True)) == [ids(app)[TRANSITIONAL]]


def test_api_lists_for_everyone_and_saves_for_the_provincial_admin(app, client, users, restore_rule_sets):
    learner = users.person(users.unit("330101"))
    headers = {"Authorization": f"Bearer {api_token(client, learner.username, PASSWORD)}"}
    listed = client.get("/api/v1/rule-sets/", headers=headers).json["result"]
    national = next(r for r in listed if r["name"] == NATIONAL_2024)
    assert (national["min_credits"], national["min_hours"], national["class_1_max"]) == ("25.00", "90.0", None)
    assert national["description_lines"][0] == t(app, "At least %(n)s credits a year.", n="25.00")
    assert client.post("/api/v1/rule-sets/", json={"name": "x"}, headers=headers).status_code == 403

    province = users.province_admin()
    admin = {"Authorization": f"Bearer {api_token(client, province.username, PASSWORD)}"}
    body = {"name": "接口标准", "valid_from": 2040, "min_credits": "20", "title_levels": ["副高"],
            "caps": [{"category_id": category_id(app, "自学综述"), "cap": ""}]}
    refused = client.post("/api/v1/rule-sets/", json=body, headers=admin)
    assert refused.status_code == 400
    assert refused.json["message"]["caps.0.cap"] == [t(app, "Enter the most credits that count a year.")]
    body["caps"][0]["cap"] = "4"
    created = client.post("/api/v1/rule-sets/", json=body, headers=admin)
    assert created.status_code == 201, created.json
    result = created.json["result"]
    title_group = t(app, "Title level: %(levels)s", levels="副高")
    assert (result["caps"][0]["cap"], result["group"], result["enabled"]) == ("4.00", title_group, True)
    replaced = client.put(f"/api/v1/rule-sets/{result['id']}", json={**body, "min_credits": "22", "enabled": False},
                          headers=admin)
    assert replaced.status_code == 200 and replaced.json["result"]["min_credits"] == "22.00"
    # A change is a new version, by default from the next credit year, or from the date given.
    next_year = f"{dt.date.today().year + 1}-01-01"
    assert [v["effective_from"] for v in replaced.json["result"]["versions"]] == ["2040-01-01", next_year]
    dated = client.put(f"/api/v1/rule-sets/{result['id']}", headers=admin,
                       json={**body, "min_credits": "21", "enabled": False, "effective_from": "2041-01-01"})
    assert dated.json["result"]["versions"][-1] == {"number": 3, "effective_from": "2041-01-01"}
    assert "接口标准" not in [r["name"] for r in client.get("/api/v1/rule-sets/", headers=headers).json["result"]]
