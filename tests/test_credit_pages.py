"""The learner's credit pages through the web: permission, free form and wizard entry with
evidence, errors that keep what was typed and uploaded, 录入学分查询管理, and privacy."""
import io
import re

from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CreditRecord, EvidenceFile
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, login


def png_bytes(colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def common_fields(unit_id, **overrides):
    return {"activity_name": "心血管新进展学习班", "activity_number": "2025-01-001", "activity_date": "2025-03-18",
            "hosting_method": "h01", "discipline": "02", "sub_discipline": "0201", "issuing_unit_id": str(unit_id),
            "remarks": "", **overrides}


def post_free_form(client, token, unit_id, action="save", evidence=("证书.png", None), **fields):
    """Send the free-form entry page: a national-level record of 3 credits and 9 hours with one
    PNG certificate, unless ``fields`` or ``evidence`` (name, bytes; None for no file) say otherwise."""
    common = {k: v for k, v in fields.items() if not k.startswith("f-") and k not in ("credit_level", "pending")}
    data = {"csrf_token": token, **common_fields(unit_id, **common), "credit_level": fields.get("credit_level", "national"),
            "f-credits": fields.get("f-credits", "3"), "f-hours": fields.get("f-hours", "9"), "action": action}
    if "pending" in fields:
        data["pending"] = fields["pending"]
    if evidence is not None:
        name, content = evidence
        data["evidence"] = (io.BytesIO(content if content is not None else png_bytes()), name)
    return client.post("/credits/new/free", content_type="multipart/form-data", data=data)


def signed_in(client, made):
    login(client, made.username, PASSWORD)
    return client


def test_self_entry_given_or_taken_counts_from_the_learners_next_request(app, client, users):
    """Permissions are remembered per set of roles, never per session: a learner already signed
    in gets the entry pages on the request after the grant, and loses them on the one after the
    revocation, without signing in again."""
    unit = users.unit("330101")
    admin = users.person(unit, role="unit_admin")
    learner = users.person(unit, name="李本院")
    signed_in(client, learner)
    assert client.get("/credits/mine").status_code == 403
    assert 'href="/credits/new/free"' not in client.get("/").get_data(as_text=True)

    admin_client = signed_in(app.test_client(), admin)
    token = csrf_from(admin_client.get("/people/").get_data(as_text=True))
    for grant, status, shown in (("1", 200, True), ("0", 403, False)):
        admin_client.post("/people/self-entry", data={"csrf_token": token, "grant": grant, "person_id": [learner.id]})
        assert client.get("/credits/mine").status_code == status
        assert ('href="/credits/new/free"' in client.get("/").get_data(as_text=True)) is shown


def test_without_the_permission_the_pages_explain_and_the_menu_is_absent(client, users):
    learner = users.person(users.unit("330101"))
    signed_in(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/credits/new/free"' not in home
    page = client.get("/credits/new/free")
    assert page.status_code == 403 and "需单位开通权限" in page.get_data(as_text=True)
    assert client.get("/credits/mine").status_code == 403


def test_free_form_entry_with_evidence_is_submitted(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    assert 'href="/credits/new/free"' in client.get("/").get_data(as_text=True)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    response = post_free_form(client, token, unit, action="submit")
    assert response.status_code == 302, response.get_data(as_text=True)
    mine = client.get("/credits/mine?year=all").get_data(as_text=True)
    assert "心血管新进展学习班" in mine and "未审核" in mine
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        assert (record.status, str(record.credits), record.credit_class) == ("submitted", "3.00", "I")
        assert [e.original_name for e in record.evidence] == ["证书.png"]


def test_errors_keep_what_was_typed_and_uploaded(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    page = post_free_form(client, token, unit, activity_date="")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "请填写学分证书上的日期" in html
    assert 'value="心血管新进展学习班"' in html and "证书.png" in html and "尚未保存" in html
    pending = re.findall(r'name="pending" value="(\d+)" checked', html)
    assert len(pending) == 1
    saved = post_free_form(client, token, unit, evidence=None, pending=pending)
    assert saved.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        assert record.status == "draft" and [e.original_name for e in record.evidence] == ["证书.png"]


def test_wizard_research_second_member_gives_seven_credits(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    with app.app_context():
        from portal.models import CreditCategory

        research = db.session.scalar(select(CreditCategory).where(CreditCategory.name == "科研立项")).id
    step1 = client.get("/credits/wizard").get_data(as_text=True)
    assert "科研立项" in step1
    step2 = client.get(f"/credits/wizard?category={research}").get_data(as_text=True)
    assert "省级科研立项" in step2
    step3 = client.get(f"/credits/wizard?category={research}&group=1").get_data(as_text=True)
    assert "第2成员" in step3 and "7.00 学分" in step3
    form = client.get(f"/credits/new/{research}?rule=省级:2").get_data(as_text=True)
    token = csrf_from(form)
    saved = client.post(f"/credits/new/{research}?rule=省级:2", content_type="multipart/form-data", data={
        "csrf_token": token, **common_fields(unit, activity_name="省级课题"), "evidence": (io.BytesIO(png_bytes()), "立项书.png"),
        "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        assert (str(record.credits), record.fields) == ("7.00", {"level": "省级", "rank": 2})


def test_a_disguised_file_is_refused_and_nothing_is_stored(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    page = post_free_form(client, token, unit, evidence=("photo.jpg", b"<?php system($_GET['c']); ?>"))
    assert "photo.jpg" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(EvidenceFile.id))) == 0
        assert db.session.scalar(select(func.count(CreditRecord.id))) == 0


def test_someone_elses_record_and_evidence_are_not_found(app, users):
    unit = users.unit("330101")
    owner, stranger = users.person(unit, self_entry=True, name="甲"), users.person(unit, self_entry=True, name="乙")
    owner_client = signed_in(app.test_client(), owner)
    token = csrf_from(owner_client.get("/credits/new/free").get_data(as_text=True))
    post_free_form(owner_client, token, unit)
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        file_id = record.evidence[0].id
    assert owner_client.get(f"/credits/evidence/{file_id}").status_code == 200
    stranger_client = signed_in(app.test_client(), stranger)
    for url in (f"/credits/{record.id}", f"/credits/{record.id}/edit", f"/credits/evidence/{file_id}",
                f"/credits/evidence/{file_id}/thumbnail"):
        assert stranger_client.get(url).status_code == 404, url


def test_text_that_looks_like_html_is_shown_as_text(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    post_free_form(client, token, unit, activity_name="<script>alert(1)</script>", remarks="<b>x</b>")
    with app.app_context():
        record_id = db.session.scalar(select(CreditRecord.id))
    for url in ("/credits/mine?year=all", f"/credits/{record_id}", f"/credits/{record_id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_batch_submit_from_my_list(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    for n, name in enumerate(("甲课程", "乙课程")):
        post_free_form(client, token, unit, activity_name=name, activity_number=f"2025-01-00{n}", credit_level="county",
                       **{"f-credits": "1", "f-hours": "3"})
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(CreditRecord.id))]
    mine = client.get("/credits/mine?year=2025").get_data(as_text=True)
    year = mine.split('name="year" value="')[1].split('"')[0]
    done = client.post("/credits/submit", data={"csrf_token": token, "record_id": ids, "year": year})
    assert done.location.endswith("/credits/mine?year=2025")  # back to the year the list showed, not this year's
    html = client.get(done.location).get_data(as_text=True)
    assert "已上报 2 条" in html and "甲课程" in html and "乙课程" in html


def test_an_approved_record_is_corrected_by_a_new_linked_record(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    post_free_form(client, token, unit)
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        record.status = "approved"  # as if reviewed
        db.session.commit()
        original = record.id
    made = client.post(f"/credits/{original}/correct", data={"csrf_token": token})
    assert made.status_code == 302 and "/edit" in made.location
    with app.app_context():
        correction = db.session.scalar(select(CreditRecord).where(CreditRecord.corrects_id == original))
        assert correction.status == "draft" and correction.activity_name == "心血管新进展学习班"
        assert db.session.get(CreditRecord, original).status == "approved"
    assert f"/credits/{original}" in client.get(f"/credits/{correction.id}").get_data(as_text=True)
    assert client.get(f"/credits/{original}/edit", follow_redirects=True).status_code == 200  # explains, changes nothing


def test_an_uploaded_file_can_be_dropped_before_saving(app, client, users):
    unit = users.unit("330101")
    learner = users.person(unit, self_entry=True)
    signed_in(client, learner)
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    page = post_free_form(client, token, unit, activity_date="", evidence=("错的.png", None))
    assert "错的.png" in page.get_data(as_text=True)
    # Unticking "保留" leaves the waiting file out of the record.
    post_free_form(client, token, unit, evidence=None)
    with app.app_context():
        assert db.session.scalar(select(CreditRecord)).evidence == []
