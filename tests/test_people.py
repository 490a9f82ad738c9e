"""Staff management: scoping (another unit's person is a 404), masking, creation with a
one-time initial password, self-entry, password reset, the learner's own profile."""
import io
import re

from PIL import Image

from portal.extensions import db
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, id_number, login


def _bearer(client, made):
    return {"Authorization": f"Bearer {api_token(client, made.username, made.password)}"}


def test_unit_admin_sees_only_own_staff_in_pages_and_api(app, client, users):
    own, other = users.unit("330101"), users.unit("330102")
    admin = users.person(own, role="unit_admin", name="王管理")
    mine = users.person(own, name="李本院")
    theirs = users.person(other, name="赵外院")
    login(client, admin.username, PASSWORD)
    listing = client.get("/people/").get_data(as_text=True)
    assert "李本院" in listing and "赵外院" not in listing
    assert client.get(f"/people/{theirs.id}").status_code == 404
    assert client.get(f"/people/{theirs.id}/edit").status_code == 404
    assert client.get(f"/people/{mine.id}").status_code == 200
    api = app.test_client()
    headers = _bearer(api, admin)
    assert api.get(f"/api/v1/people/{theirs.id}", headers=headers).status_code == 404
    assert api.put(f"/api/v1/people/{theirs.id}", headers=headers, json={"mobile": "13900000000"}).status_code == 404
    names = [p["name"] for p in api.get("/api/v1/people/", headers=headers).json["result"]]
    assert "赵外院" not in names and "李本院" in names


def test_batch_self_entry_cannot_reach_another_unit(client, users):
    own, other = users.unit("330101"), users.unit("330102")
    admin = users.person(own, role="unit_admin")
    mine = users.person(own, name="李本院")
    theirs = users.person(other, name="赵外院")
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/people/").get_data(as_text=True))
    response = client.post("/people/self-entry", data={"csrf_token": token, "grant": "1", "person_id": [mine.id, theirs.id]},
                           follow_redirects=True)
    assert "已为 1 人开通" in response.get_data(as_text=True)
    assert "跳过 1 人：不在您管理的人员中" in response.get_data(as_text=True)
    assert client.get(f"/people/{mine.id}").get_data(as_text=True).count("已开通") >= 1


def test_batch_self_entry_reports_what_it_changed_and_what_it_skipped(client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    granted = users.person(unit, self_entry=True, name="已开通者")
    fresh = [users.person(unit, name=f"新人{i}") for i in range(3)]
    visitor = users.person(unit, name="外省学员", out_of_province=True)
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/people/").get_data(as_text=True))
    ticked = [granted.id, visitor.id, *(p.id for p in fresh)]
    text = client.post("/people/self-entry", data={"csrf_token": token, "grant": "1", "person_id": ticked},
                       follow_redirects=True).get_data(as_text=True)
    assert "已为 3 人开通" in text and "1 人原已开通" in text and "跳过 1 名外省人员" in text
    text = client.post("/people/self-entry", data={"csrf_token": token, "grant": "0", "person_id": ticked},
                       follow_redirects=True).get_data(as_text=True)
    assert "已取消 4 人" in text and "1 人原未开通" in text


def test_learners_cannot_open_staff_pages_or_api(app, client, users):
    learner = users.person(users.unit("330101"))
    login(client, learner.username, PASSWORD)
    assert client.get("/people/").status_code in (302, 403)
    api = app.test_client()
    assert api.get("/api/v1/people/", headers=_bearer(api, learner)).status_code in (401, 403)


def test_masking_everywhere_but_the_owners_own_view(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    number = id_number()
    person = users.person(unit, name="钱多多", id_number=number, mobile="13812345678")
    masked = number[:3] + "*" * 11 + number[-4:]
    login(client, admin.username, PASSWORD)
    for url in ("/people/", f"/people/{person.id}"):
        page = client.get(url).get_data(as_text=True)
        assert masked in page and number not in page and "13812345678" not in page
    api = app.test_client()
    assert api.get(f"/api/v1/people/{person.id}", headers=_bearer(api, admin)).json["result"]["id_number"] == masked
    # The province too sees masked values: a full one is an explicit, audited reveal (test_reveals.py).
    province = users.province_admin()
    province_client = app.test_client()
    login(province_client, province.username, PASSWORD)
    for url in ("/people/", f"/people/{person.id}"):
        assert number not in province_client.get(url).get_data(as_text=True)
    api2 = app.test_client()
    assert api2.get(f"/api/v1/people/{person.id}", headers=_bearer(api2, province)).json["result"]["id_number"] == masked


def test_create_via_api_returns_initial_password_once_and_role_is_province_only(app, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    api = app.test_client()
    headers = _bearer(api, admin)
    refused = api.post("/api/v1/people/", headers=headers, json={"name": "孙一", "id_number": id_number(), "role": "unit_admin"})
    assert refused.status_code == 403
    created = api.post("/api/v1/people/", headers=headers, json={"name": "孙一", "id_number": id_number(), "self_entry": True})
    assert created.status_code == 201
    body = created.json
    assert len(body["initial_password"]) >= 12 and body["person"]["self_entry"] is True
    shown = api.get(f"/api/v1/people/{body['id']}", headers=headers).json["result"]
    assert "initial_password" not in shown and shown["role"] == "learner"
    # The learner signs in with it and must change it first.
    learner_api = app.test_client()
    token = api_token(learner_api, shown["username"], body["initial_password"])
    assert learner_api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["code"] == "password_change_required"
    province = users.province_admin()
    promoted = api.put(f"/api/v1/people/{body['id']}", headers=_bearer(api, province), json={"role": "unit_admin"})
    assert promoted.status_code == 200 and promoted.json["result"]["role"] == "unit_admin"


def test_invalid_and_duplicate_id_numbers_are_explained_in_chinese(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    taken = users.person(unit).id_number
    api = app.test_client()
    headers = _bearer(api, admin)
    bad = api.post("/api/v1/people/", headers=headers, json={"name": "周五", "id_number": "110105194912310021", "mobile": "123"})
    assert bad.status_code == 400
    assert "校验位" in bad.json["message"]["id_number"][0] and "手机" in bad.json["message"]["mobile"][0]
    dup = api.post("/api/v1/people/", headers=headers, json={"name": "周五", "id_number": taken.lower()})
    assert dup.status_code == 400 and "已在“单位330101”；如需调入本单位" in dup.json["message"]["id_number"][0]
    # The web form keeps what was typed beside the error.
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/people/new").get_data(as_text=True))
    page = client.post("/people/new", data={"csrf_token": token, "name": "周五", "id_number": "110105194912310021",
                                            "department": "急诊科", "status": "正常"}).get_data(as_text=True)
    assert "校验位" in page and 'value="周五"' in page and 'value="急诊科"' in page


def test_web_create_shows_initial_password_and_reset_gives_a_new_one(client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/people/new").get_data(as_text=True))
    created = client.post("/people/new", data={"csrf_token": token, "name": "吴六", "id_number": id_number(),
                                               "status": "正常", "title": "主治医师", "title_level": "中级"})
    html = created.get_data(as_text=True)
    assert 'id="initial-password"' in html and "仅显示这一次" in html
    person_id = int(re.search(r'href="/people/(\d+)"', html).group(1))
    reset = client.post(f"/people/{person_id}/reset-password", data={"csrf_token": token}).get_data(as_text=True)
    assert 'id="initial-password"' in reset


def test_title_change_writes_history(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    person = users.person(unit, title="医师", title_level="初级")
    api = app.test_client()
    headers = _bearer(api, admin)
    api.put(f"/api/v1/people/{person.id}", headers=headers, json={"title": "主治医师", "title_level": "中级"})
    history = api.get(f"/api/v1/people/{person.id}", headers=headers).json["result"]["history"]
    assert [h["title"] for h in history][:2] == ["主治医师", "医师"]


def test_learner_edits_only_own_contact_fields_and_photo(app, client, users):
    person = users.person(users.unit("330101"), name="郑七")
    login(client, person.username, PASSWORD)
    page = client.get("/profile/").get_data(as_text=True)
    assert person.id_number in page  # unmasked for the owner
    token = csrf_from(page)
    photo = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(photo, "PNG")
    photo.seek(0)
    saved = client.post("/profile/", data={"csrf_token": token, "mobile": "13912345678", "name": "改名",
                                           "photo": (photo, "me.png")}, content_type="multipart/form-data", follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "13912345678" in text and "郑七" in text and "改名" not in text
    assert client.get("/profile/photo").mimetype == "image/jpeg"
    fake = client.post("/profile/", data={"csrf_token": token, "photo": (io.BytesIO(b"%PDF-1.4 not an image"), "x.jpg")},
                       content_type="multipart/form-data")
    assert "JPG 或 PNG" in fake.get_data(as_text=True)


def test_units_api_is_for_the_provincial_admin(app, users):
    province = users.province_admin()
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    api = app.test_client()
    headers = _bearer(api, province)
    created = api.post("/api/v1/units/", headers=headers, json={"code": "3399", "name": "测试市", "kind": "city", "level": ""})
    assert created.status_code == 201, created.get_data(as_text=True)
    invalid = api.post("/api/v1/units/", headers=headers, json={"code": "3398", "name": "x", "kind": "planet"})
    assert invalid.status_code == 422 and "kind" in invalid.json["message"]
    assert api.get("/api/v1/units/", headers=_bearer(api, admin)).status_code in (401, 403)


def test_staff_list_pages_keep_the_filters(client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin", name="管理员")
    for i in range(22):
        users.person(unit, name=f"王{i:02d}")
    login(client, admin.username, PASSWORD)
    first = client.get("/people/?q=王").get_data(as_text=True)
    assert "共22条记录" in first and "1 / 2" in first and "王00" in first and "王21" not in first
    next_link = re.search(r'href="(/people/\?[^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "q=" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert "2 / 2" in second and "王21" in second and "王00" not in second


def test_unit_admin_edit_keeps_the_id_number_unless_a_new_one_is_typed(app, client, users):
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    person = users.person(unit, name="冯八", department="内科")
    login(client, admin.username, PASSWORD)
    form_page = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert person.id_number not in form_page  # not even in the edit form
    token = csrf_from(form_page)
    fields = {"csrf_token": token, "name": "冯八", "id_number": "", "department": "外科", "status": "正常"}
    assert client.post(f"/people/{person.id}/edit", data=fields).status_code == 302
    assert _stored(app, person.id) == (person.id_number, "外科", "1980-01-01")
    new_number = id_number(birth="19900215")
    client.post(f"/people/{person.id}/edit", data={**fields, "id_number": new_number})
    assert _stored(app, person.id) == (new_number, "外科", "1990-02-15")


def test_admins_edit_forms_show_no_full_number_and_empty_keeps_it(app, client, users):
    unit = users.unit("330101")
    person = users.person(unit, name="褚九", mobile="13812345678", phone="057187654321")
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    form_page = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    for full in (person.id_number, "13812345678", "057187654321"):
        assert full not in form_page
    assert 'placeholder="138****5678"' in form_page
    fields = {"csrf_token": csrf_from(form_page), "name": "褚九", "id_number": "", "mobile": "", "phone": "",
              "status": "正常", "unit_id": unit, "role": "learner"}
    assert client.post(f"/people/{person.id}/edit", data=fields).status_code == 302
    with app.app_context():
        from portal.models import Person

        kept = db.session.get(Person, person.id)
        assert (kept.id_number, kept.mobile, kept.phone) == (person.id_number, "13812345678", "057187654321")
    client.post(f"/people/{person.id}/edit", data={**fields, "mobile": "13900000000"})
    with app.app_context():
        assert db.session.get(Person, person.id).mobile == "13900000000"


def _stored(app, person_id: int) -> tuple[str, str, str]:
    from portal.models import Person

    with app.app_context():
        found = db.session.get(Person, person_id)
        return found.id_number, found.department, found.birth_date.isoformat()


def test_user_menu_leads_to_portal_pages_in_the_default_language(client, users):
    person = users.person(users.unit("330101"))
    login(client, person.username, PASSWORD)
    page = client.get("/profile/").get_data(as_text=True)
    assert 'href="/account/password/"' in page and "退出" in page and "简体中文" in page
    assert "/users/userinfo/" not in page  # FAB's own profile page is not for learners


def test_provincial_admin_without_profile_is_sent_home(client, users):
    province = users.province_admin()
    login(client, province.username, PASSWORD)
    response = client.get("/profile/", follow_redirects=True)
    assert response.status_code == 200 and "没有个人资料" in response.get_data(as_text=True)


def test_province_admin_manages_units_in_the_tree(app, client, users):
    province = users.province_admin()
    city = users.unit("3301", "杭州市", kind="city", level=None)
    login(client, province.username, PASSWORD)
    form = client.get("/units/manage/add").get_data(as_text=True)
    token = csrf_from(form)
    created = client.post("/units/manage/add", data={"csrf_token": token, "code": "330199", "name": "杭州市中医院",
                                                     "kind": "institution", "level": "三级", "tier": "市", "type": "医院",
                                                     "parent": str(city)})
    assert created.status_code == 302
    tree = client.get("/units/").get_data(as_text=True)
    assert tree.index("杭州市") < tree.index("杭州市中医院") and "市 · 三级 · 医院" in tree
    users.person(city, name="在册人员")
    listing = client.get("/units/manage/list/").get_data(as_text=True)
    assert "杭州市中医院" in listing
    refused = client.post(f"/units/manage/delete/{city}", data={"csrf_token": token}, follow_redirects=True)
    assert "不能删除" in refused.get_data(as_text=True)
    assert "杭州市" in client.get("/units/").get_data(as_text=True)


def test_the_province_s_unit_filter_takes_in_the_units_below(client, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市", "city", None, "33"),
                       ("330106", "西湖区", "county", None, "3301"), ("33010601", "西湖区医院", "institution", "二级", "330106"),
                       ("3302", "宁波市", "city", None, "33"), ("330201", "宁波医院", "institution", "三级", "3302")])
    users.person(ids["33010601"], name="杭州医生")
    users.person(ids["3301"], name="杭州市直人员")
    users.person(ids["330201"], name="宁波医生")
    login(client, "padmin", PASSWORD)
    html = client.get(f"/people/?unit_id={ids['3301']}").get_data(as_text=True)
    assert "杭州医生" in html and "杭州市直人员" in html and "宁波医生" not in html


def test_select_all_matching_grants_exactly_the_matching_people_on_every_page(app, client, users):
    """45 王 and 5 李 in the unit, 20 a page: "all matching 王" grants the 45, none of the 李."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Person
    from portal.people.services import self_entry_of
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin", name="管理员")
    for i in range(45):
        users.person(unit, name=f"王{i:02d}")
    for i in range(5):
        users.person(unit, name=f"李{i}")
    login(client, admin.username, PASSWORD)
    page = client.get("/people/?q=王").get_data(as_text=True)
    assert "全部符合当前条件的 45 人" in page
    done = client.post("/people/self-entry", data={"csrf_token": csrf_from(page), "grant": "1", "all_matching": "1",
                                                   "q": "王", "unit_id": "", "role": ""}, follow_redirects=True)
    assert "已为 45 人开通" in done.get_data(as_text=True)
    with app.app_context():
        granted = {p.name for p in db.session.scalars(select(Person)) if self_entry_of(p)}
    assert granted == {f"王{i:02d}" for i in range(45)}
