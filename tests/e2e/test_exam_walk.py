"""项目评价 and 在线考试 on the learner's phone (375 px): from 考勤记录查询 they evaluate the activity,
take its exam (the answers given survive a reload mid-exam), pass, and find the record the
activity granted once both were done."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import AttemptSlot, ExamAttempt
from tests.activity_world import ActivityWorld
from tests.e2e.pages import PHONE, fits_the_phone, shoot, sign_in
from tests.test_exams import bank, settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def _right(app, person_id: int) -> dict[int, list[int]]:
    with app.app_context():
        attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.person_id == person_id))
        slots = db.session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id))
        return {s.slot: [o["id"] for o in s.version.options if o["correct"]] for s in slots}


def test_a_learner_evaluates_takes_the_exam_passes_and_sees_the_granted_record(app, world, new_page):
    activity, learner = world.create(sessions=1), world.learner()
    world.caller(world.admin).put(f"/api/v1/activities/{activity['id']}/evaluation", json={"required": True})
    bank(world, activity, single=6, multiple=2, judge=2)
    settings(world, activity, draw={"single": 2, "multiple": 1, "judge": 1}, required=True)
    world.attend(learner, activity, 0)
    phone = new_page(PHONE)
    sign_in(phone, learner.username, learner.password)

    phone.goto("/m/attendance/records")
    phone.get_by_role("link", name="去评价").first.click()
    expect(phone.locator("fieldset.rating")).to_have_count(6)
    for fieldset in phone.locator("fieldset.rating").all():
        fieldset.locator("input").nth(4).check()
    phone.get_by_label("意见和建议").fill("案例讲解很实用")
    fits_the_phone(phone)
    shoot(phone, "evaluation-form")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("您的评价已匿名保存")).to_be_visible()
    expect(phone.get_by_text("已评价").first).to_be_visible()

    phone.get_by_role("link", name="参加考试").first.click()
    phone.get_by_role("button", name="开始考试").click()
    expect(phone.locator(".exam-question")).to_have_count(4)
    right = _right(app, learner.id)
    first = phone.locator('.exam-question[data-slot="1"]')
    first.locator(f'input[value="{right[1][0]}"]').check()
    expect(phone.locator("#exam-status")).to_have_text("已保存")
    fits_the_phone(phone)
    shoot(phone, "exam-page")
    phone.reload()
    expect(phone.locator(f'.exam-question[data-slot="1"] input[value="{right[1][0]}"]')).to_be_checked()
    for slot, ids in right.items():
        for option in ids:
            box = phone.locator(f'.exam-question[data-slot="{slot}"] input[value="{option}"]')
            if not box.is_checked():
                box.check()
                expect(phone.locator("#exam-status")).to_have_text("已保存")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="交卷").click()
    expect(phone.get_by_text("已交卷：100 分，考核合格。")).to_be_visible()
    shoot(phone, "exam-passed")

    phone.goto("/m/credits")
    expect(phone.get_by_text(activity["name"]).first).to_be_visible()
    fits_the_phone(phone)
    shoot(phone, "exam-granted-record")
