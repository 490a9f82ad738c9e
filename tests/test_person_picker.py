"""The provincial admin has no credits of their own: the pages about one person's credits
(统计查询's 学分情况查询, 达标情况查询, 打印学分登记表, 多年度学分验证表) ask them whose, instead of
answering 404."""
import datetime as dt

import pytest

from tests.helpers import PASSWORD, api_token, approved_record, login

PAGES = ["/credits/query/", "/compliance/?year=2025", "/forms/registration/", "/forms/verification/"]


@pytest.fixture
def world(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33")])
    learner = users.person(ids["3301"], self_entry=True, name="周晓岚")
    users.person(ids["3301"], name="吴国栋")
    approved_record(app, learner.id, "非向导录入", dt.date(2025, 3, 1), {"credits": "8", "hours": "24"}, "national",
                    name="心血管学习班")
    return learner


@pytest.mark.parametrize("url", PAGES)
def test_the_province_picks_the_person_and_gets_their_page(app, world, client, url):
    login(client, "padmin", PASSWORD)
    asked = client.get(url)
    assert asked.status_code == 200
    assert "查询哪位人员" in asked.get_data(as_text=True)
    found = client.get(url + ("&" if "?" in url else "?") + "q=周晓").get_data(as_text=True)
    assert "周晓岚" in found and "吴国栋" not in found
    link = f"person_id={world.id}"
    assert link in found
    href = next(part.split('"')[0] for part in found.split('href="') if link in part.split('"')[0])
    page = client.get(href.replace("&amp;", "&"))
    assert page.status_code == 200 and "周晓岚" in page.get_data(as_text=True)
    if "year=2025" in url:
        assert "year=2025" in href


def test_the_api_names_the_missing_person(app, world, client):
    headers = {"Authorization": f"Bearer {api_token(client, 'padmin', PASSWORD)}"}
    response = client.get("/api/v1/compliance/2025", headers=headers)
    assert response.status_code == 400 and response.json["code"] == "person_id_required"
    assert client.get(f"/api/v1/compliance/2025?person_id={world.id}", headers=headers).status_code == 200
