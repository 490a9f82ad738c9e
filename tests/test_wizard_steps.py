"""The wizard after its choices: the entry form keeps the step chips (linking back), a confirm
step shows the computed credits with nothing saved, and editing a wizard record lets the learner
choose the rule (a member's rank) again."""
from __future__ import annotations

import io
import re
from html import unescape

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CreditCategory, CreditRecord
from tests.conftest import csrf_from
from tests.test_credit_pages import common_fields, png_bytes, signed_in


def _research(app) -> int:
    with app.app_context():
        return db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "科研立项"))


def test_the_confirm_step_shows_the_credits_and_saves_nothing(app, client, users):
    unit = users.unit("330101")
    signed_in(client, users.person(unit, self_entry=True))
    research = _research(app)
    url = f"/credits/new/{research}?rule=省级:2"
    form = client.get(url).get_data(as_text=True)
    chips = form[form.index('class="stepper"'):form.index("</ol>")]
    assert 'href="/credits/wizard"' in chips and f"/credits/wizard?category={research}&amp;group=1" in chips
    assert 'aria-current="step">活动信息' in chips and 'value="confirm"' in form and 'value="submit"' not in form
    shown = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": csrf_from(form), **common_fields(unit, activity_name="省级课题"),
        "evidence": (io.BytesIO(png_bytes()), "立项书.png"), "action": "confirm"}).get_data(as_text=True)
    assert "保存后，这条记录计 7.00 学分" in shown and 'value="submit"' in shown
    assert 'aria-current="step">确认' in shown and "立项书.png" in shown
    with app.app_context():
        assert db.session.scalar(select(func.count(CreditRecord.id))) == 0


def test_editing_a_wizard_record_chooses_its_rank_again(app, client, users):
    unit = users.unit("330101")
    signed_in(client, users.person(unit, self_entry=True))
    research = _research(app)
    page = client.get(f"/credits/new/{research}?rule=省级:2").get_data(as_text=True)
    client.post(f"/credits/new/{research}?rule=省级:2", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), **common_fields(unit, activity_name="省级课题"),
        "evidence": (io.BytesIO(png_bytes()), "立项书.png"), "action": "save"})
    with app.app_context():
        record_id = db.session.scalar(select(CreditRecord.id))
    edit = client.get(f"/credits/{record_id}/edit").get_data(as_text=True)
    back = unescape(re.search(r'href="([^"]*group=1[^"]*)"', edit).group(1))
    assert f"record={record_id}" in back
    choices = client.get(back).get_data(as_text=True)
    assert f'/credits/{record_id}/edit?rule=' in choices and "第1成员" in choices
    first = unescape(re.search(rf'href="(/credits/{record_id}/edit\?rule=[^"]+)"[^>]*>\s*第1成员', choices).group(1))
    form = client.get(first).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    saved = client.post(first, content_type="multipart/form-data", data={
        "csrf_token": csrf_from(form), **common_fields(unit, activity_name="省级课题"), "version": version,
        "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        record = db.session.get(CreditRecord, record_id)
        assert record.fields["rank"] == 1 and record.credits > 7
