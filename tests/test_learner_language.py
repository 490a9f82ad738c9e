"""What a learner reads is Chinese and in words: the record page lists every field entered (学分级别,
举办方式, 学科 ...) by name, a wizard record's role and 学分级别 included; its history says
状态：草稿 → 未审核 and 证明材料：新增 证书.png instead of raw names and values; the certificate
panel labels its validity; errors are pages that explain (404, an expired form); select2's
messages come in Chinese from our static files."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CreditCategory
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login
from tests.test_credit_api import World, create, free_form, submitted
from tests.test_credit_pages import post_free_form


@pytest.fixture
def world(app, users):
    return World(app, users)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_record_page_shows_every_field_by_name_and_its_history_in_words(app, client, world):
    learner = world["learner"]
    record = submitted(app, learner, world.unit)
    login(client, learner.made.username, PASSWORD)
    html = _page(client, f"/credits/{record['id']}")
    fields = html[html.index("data-fields"):html.index("</dl>", html.index("data-fields"))]
    for label, value in (("学分级别", "国家级继续医学教育项目"), ("举办方式", "学习班"), ("二级学科", "临床内科学"),
                         ("三级学科", "心血管病学"), ("发证机构", "杭州市第一人民医院"), ("活动编号", "2025-01-001"),
                         ("学分", "3.50"), ("学时", "10.0"), ("学分分类", "I类")):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in fields, (label, value)
    history = html[html.index("记录的操作历史"):]
    assert "审核状态：草稿 → 未审核" in history
    assert "证明材料：新增 证书.png" in history
    for raw in ("status:", "evidence:", "['", "draft", "submitted"):
        assert raw not in history.split("</table>")[0], raw


def test_a_wizard_record_shows_its_role_and_level_in_words(app, client, world):
    learner = world["learner"]
    with app.app_context():
        category = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "赴外省国家级项目"))
    made = learner.post("/api/v1/credits/", json={"category_id": category, "wizard_choice": "attendee", "fields": {
        "activity_name": "外省学习班", "activity_date": "2025-04-01", "hosting_method": "学习班", "discipline": "临床内科学",
        "sub_discipline": "心血管病学", "issuing_unit_id": world.unit, "hours": "9"}})
    assert made.status_code == 201, made.get_data(as_text=True)
    login(client, learner.made.username, PASSWORD)
    html = _page(client, f"/credits/{made.json['id']}")
    assert "<dt>角色</dt><dd>参加人员</dd>" in html and "attendee" not in html
    assert "<dt>学分级别</dt><dd>赴外省国家级项目</dd>" in html
    query = _page(client, "/credits/query/?from=2025-01-01&to=2025-12-31")
    row = query.split(f'data-record="{made.json["id"]}"')[1].split("</tr>")[0]
    assert 'data-label="学分级别">赴外省国家级项目<' in row
    entry = _page(client, f"/credits/new/{category}?rule=attendee")
    assert "参加人员" in entry and ">attendee<" not in entry


def test_the_certificate_panel_labels_its_validity(app, client, world):
    learner, admin = world["learner"], world["admin"]
    record = submitted(app, learner, world.unit)
    admin.post(f"/api/v1/credits/{record['id']}/review", json={"decision": "approve", "version": record["version"]})
    login(client, learner.made.username, PASSWORD)
    page = _page(client, f"/credits/{record['id']}")
    client.post("/certificates/issue", data={"csrf_token": csrf_from(page), "record_id": record["id"]})
    panel = _page(client, f"/credits/{record['id']}").split("certificate-card")[1]
    assert "<dt>证书状态</dt>" in panel and "人员状态" not in panel


def test_errors_are_pages_that_explain(app, client, world):
    login(client, world["learner"].made.username, PASSWORD)
    missing = client.get("/credits/999999")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "页面不存在" in html and "Not Found" not in html and "返回首页" in html
    expired = client.post("/credits/submit", data={"record_id": "1"})  # no CSRF token, as from a stale form
    html = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "页面已过期" in html and "CSRF" not in html
    api = client.get("/api/v1/credits/999999")
    assert api.status_code == 404 and api.is_json  # the API still answers JSON


def test_select2_speaks_chinese_from_our_static_files(app, client, world):
    login(client, world["learner"].made.username, PASSWORD)
    page = _page(client, "/credits/new/free")
    assert '/static/select2/i18n/zh-CN.js' in page
    script = client.get("/static/select2/i18n/zh-CN.js")
    assert script.status_code == 200 and "未找到结果" in script.get_data(as_text=True)


# --- entering: every error at once ------------------------------------------------------------

def test_credits_with_more_than_two_decimals_are_refused_with_a_message(app, world):
    learner = world["learner"]
    with app.app_context():
        free = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
    refused = learner.post("/api/v1/credits/", json={"category_id": free, "fields": free_form(world.unit, credits="2.555")})
    assert refused.status_code == 400
    assert refused.json["message"]["credits"] == ["学分最多保留两位小数，如 2.5 或 2.56。"]
    assert create(app, learner, world.unit, credits="2.50")["credits"] == "2.50"


def test_the_form_names_every_problem_at_once_in_a_red_summary(app, client, world):
    learner = world["learner"]
    login(client, learner.made.username, PASSWORD)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    # A common field missing, too many decimals, more credits than a record may claim and a disguised file.
    page = post_free_form(client, token, world.unit, activity_name="", evidence=("证书.png", b"not a picture"),
                          **{"f-credits": "2.555", "f-hours": "2000"})
    html = page.get_data(as_text=True)
    summary = html[html.index("data-error-summary"):html.index("</div>", html.index("data-error-summary"))]
    assert "活动名称" in summary and "学分最多保留两位小数" in summary and "学时" in summary
    assert "证明材料" in summary and "证书.png" in summary
    huge = post_free_form(client, token, world.unit, activity_name="", **{"f-credits": "30"})
    assert "每条记录最多" in huge.get_data(as_text=True).split("data-error-summary")[1]  # the type's own check, same round
