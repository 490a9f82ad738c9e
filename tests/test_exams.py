"""在线考试 from the cheater's side: the server draws and keeps each attempt, its deadline and every
answer; nothing it sends says what is right before the exam closes; limits on attempts and waits hold
under repeats; the credit waits for a pass and comes once; the bank's versions and Excel import."""
from __future__ import annotations

import datetime as dt
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AttemptSlot, CreditRecord, ExamAttempt, Question
from tests.activity_world import ActivityWorld
from tests.conftest import csrf_from
from tests.helpers import login


@pytest.fixture
def world(app, users):
    made = ActivityWorld(app, users)
    yield made
    app.extensions.pop("portal.clock", None)


def bank(world, activity, single=0, multiple=0, judge=0):
    """Questions whose right option is always the first (multiple: the first two)."""
    admin = world.caller(world.admin)
    for n in range(single):
        body = {"type": "single", "stem": f"单选题{n}", "options": ["对", "错甲", "错乙", "错丙"], "correct": [0]}
        assert admin.post(f"/api/v1/activities/{activity['id']}/questions", json=body).status_code == 201
    for n in range(multiple):
        body = {"type": "multiple", "stem": f"多选题{n}", "options": ["对一", "对二", "错"], "correct": [0, 1]}
        assert admin.post(f"/api/v1/activities/{activity['id']}/questions", json=body).status_code == 201
    for n in range(judge):
        body = {"type": "judge", "stem": f"判断题{n}", "correct": [0]}
        assert admin.post(f"/api/v1/activities/{activity['id']}/questions", json=body).status_code == 201


def settings(world, activity, **changes):
    body = {"draw": {"single": 3, "multiple": 1, "judge": 1}, "time_limit_s": 600, "pass_mark": 60, "max_attempts": 2,
            "wait_s": 0, "shuffle_options": True, "required": False, **changes}
    answer = world.caller(world.admin).put(f"/api/v1/activities/{activity['id']}/exam", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json


def ready(world, sessions=1, **exam):
    activity, learner = world.create(sessions=sessions), world.learner()
    bank(world, activity, single=20, multiple=3, judge=3)
    settings(world, activity, **exam)
    world.attend(learner, activity, 0)
    return activity, learner


def start(world, learner, activity):
    return world.caller(learner).post(f"/api/v1/activities/{activity['id']}/exam/attempts")


def right_ids(app, attempt_id) -> dict[int, list[int]]:
    with app.app_context():
        slots = db.session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id))
        return {s.slot: [o["id"] for o in s.version.options if o["correct"]] for s in slots}


def answer_all(world, learner, attempt, app, right=True):
    caller, answers = world.caller(learner), right_ids(app, attempt["attempt_id"])
    bodies = []
    for q in attempt["questions"]:
        ids = answers[q["slot"]] if right else [o["id"] for o in q["options"] if o["id"] not in answers[q["slot"]]][:1]
        saved = caller.put(f"/api/v1/exam-attempts/{attempt['attempt_id']}/answers/{q['slot']}", json={"option_ids": ids})
        assert saved.status_code == 200, saved.get_data(as_text=True)
        bodies.append(saved.get_data(as_text=True))
    return bodies


def test_each_attempt_is_drawn_afresh_and_the_third_is_refused_as_is_one_within_the_wait(app, world):
    activity, learner = ready(world, wait_s=3600)
    first = start(world, learner, activity)
    assert first.status_code == 201 and len(first.json["questions"]) == 5
    assert [q["type"] for q in first.json["questions"]] == ["single"] * 3 + ["multiple", "judge"]
    assert start(world, learner, activity).json["attempt_id"] == first.json["attempt_id"]  # the same, resumed
    world.caller(learner).post(f"/api/v1/exam-attempts/{first.json['attempt_id']}/submit")
    waiting = start(world, learner, activity)
    assert waiting.status_code == 409 and waiting.json["code"] == "wait" and waiting.json["retry_after"] > 3000
    world.clock.move(3601)
    second = start(world, learner, activity)
    assert second.status_code == 201
    others = []
    for _ in range(3):
        other = world.learner()
        world.attend(other, activity, 0)
        others.append(start(world, other, activity))
    draws = {frozenset(q["stem"] for q in attempt.json["questions"] if q["type"] == "single")
             for attempt in (first, second, *others)}
    # 3 of 20 each time: five draws all alike would happen once in 1140**4 runs (one draw alone
    # repeats once in 1140, which is why comparing just two attempts would make a flaky test)
    assert len(draws) > 1
    world.caller(learner).post(f"/api/v1/exam-attempts/{second.json['attempt_id']}/submit")
    world.clock.move(3601)
    third = start(world, learner, activity)
    assert third.status_code == 409 and third.json["code"] == "attempts_used"


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closes_with_what_was_saved(app, world):
    activity, learner = ready(world, time_limit_s=300)
    attempt = start(world, learner, activity).json
    slot = attempt["questions"][0]["slot"]
    url = f"/api/v1/exam-attempts/{attempt['attempt_id']}/answers/{slot}"
    right = right_ids(app, attempt["attempt_id"])[slot]
    assert world.caller(learner).put(url, json={"option_ids": right}).status_code == 200
    world.clock.move(301)
    late = world.caller(learner).put(url, json={"option_ids": [99]})
    assert late.status_code == 409 and late.json["code"] == "deadline_passed"
    with app.app_context():
        stored = db.session.get(ExamAttempt, attempt["attempt_id"])
        assert stored.state == "finished" and stored.score == 20 and stored.passed is False
        assert db.session.get(AttemptSlot, (stored.id, slot)).answer == right
    done = world.caller(learner).get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").json
    assert done["state"] == "finished" and done["score"] == 20  # no closing time: released at once


def test_an_answer_that_is_not_the_questions_is_refused_and_the_saved_one_stays(app, world):
    activity, learner = ready(world)
    attempt = start(world, learner, activity).json
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = f"/api/v1/exam-attempts/{attempt['attempt_id']}/answers/{single['slot']}"
    caller, options = world.caller(learner), [o["id"] for o in single["options"]]
    assert caller.put(url, json={"option_ids": options[:1]}).status_code == 200
    for bad in ([99], options[:2], ["1"], "1", [True]):
        assert caller.put(url, json={"option_ids": bad}).status_code == 400, bad
    saved = caller.get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").json["questions"]
    assert next(q for q in saved if q["slot"] == single["slot"])["option_ids"] == options[:1]
    # Someone else's attempt is a 404 whatever the body, and a learner's token cannot set the exam.
    other = world.learner("李医生")
    assert world.caller(other).put(url, json={"option_ids": [99]}).status_code == 404
    assert world.caller(other).put(url, json={"option_ids": "x"}).status_code == 404
    assert caller.put(f"/api/v1/activities/{activity['id']}/exam", json={"draw": {"single": 1}}).status_code == 403


def test_no_response_before_the_exam_closes_says_what_is_right(app, world):
    closes = world.clock.now + 86400
    activity, learner = ready(world, closes_at=dt.datetime.fromtimestamp(closes, dt.UTC).isoformat())
    caller = world.caller(learner)
    started = start(world, learner, activity)
    attempt = started.json
    bodies = [started.get_data(as_text=True)] + answer_all(world, learner, attempt, app)
    bodies.append(caller.get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").get_data(as_text=True))
    submitted = caller.post(f"/api/v1/exam-attempts/{attempt['attempt_id']}/submit")
    assert submitted.json == {"submitted": True}
    bodies.append(submitted.get_data(as_text=True))
    bodies.append(caller.get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").get_data(as_text=True))
    for body in bodies:
        assert '"correct"' not in body and "score" not in body and "passed" not in body
    client = app.test_client()
    login(client, learner.username, learner.password)
    page = client.get(f"/exam/{activity['id']}").get_data(as_text=True)
    assert "label-success" not in page and "label-warning" not in page and "100" not in page
    for q in attempt["questions"]:
        assert set(q) == {"slot", "stem", "type", "options", "option_ids"}
        assert all(set(o) == {"id", "text"} for o in q["options"])
    world.clock.at(dt.datetime.fromtimestamp(closes, dt.UTC), 1)
    after = caller.get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").json
    assert after["score"] == 100 and after["passed"] is True


def test_twenty_parallel_saves_of_one_slot_leave_one_answer(app, world):
    activity, learner = ready(world)
    attempt = start(world, learner, activity).json
    question = next(q for q in attempt["questions"] if q["type"] == "multiple")
    url = f"/api/v1/exam-attempts/{attempt['attempt_id']}/answers/{question['slot']}"
    caller = world.caller(learner)
    choices = [[o["id"] for o in question["options"]][: 1 + n % 3] for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda ids: caller.fresh().put(url, json={"option_ids": ids}), choices))
    assert {a.status_code for a in answers} == {200}
    with app.app_context():
        rows = db.session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt["attempt_id"],
                                                            AttemptSlot.slot == question["slot"])).all()
        assert len(rows) == 1 and sorted(rows[0].answer) in [sorted(c) for c in choices]
        assert db.session.scalar(select(func.count()).select_from(AttemptSlot)
                                 .where(AttemptSlot.attempt_id == attempt["attempt_id"])) == 5


def test_the_credit_waits_for_a_pass_and_is_granted_once(app, world):
    activity, learner = ready(world, required=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 0
    caller = world.caller(learner)
    failing = start(world, learner, activity).json
    answer_all(world, learner, failing, app, right=False)
    assert caller.post(f"/api/v1/exam-attempts/{failing['attempt_id']}/submit").json == {"score": 0, "passed": False}
    assert world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close").json["granted"] == []
    passing = start(world, learner, activity).json
    answer_all(world, learner, passing, app)
    assert caller.post(f"/api/v1/exam-attempts/{passing['attempt_id']}/submit").json == {"score": 100, "passed": True}
    caller.post(f"/api/v1/exam-attempts/{passing['attempt_id']}/submit")
    with app.app_context():
        records = db.session.scalars(select(CreditRecord).where(CreditRecord.person_id == learner.id)).all()
        assert len(records) == 1 and records[0].activity_id == activity["id"] and records[0].status == "approved"


def test_a_question_edited_after_an_attempt_leaves_the_attempt_as_it_was(app, world):
    activity, learner = ready(world)
    attempt = start(world, learner, activity).json
    shown = attempt["questions"][0]
    with app.app_context():
        question_id = db.session.get(AttemptSlot, (attempt["attempt_id"], shown["slot"])).version.question_id
    body = {"type": "single", "stem": "改过的题干", "options": ["新甲", "新乙"], "correct": [1]}
    edited = world.caller(world.admin).put(f"/api/v1/activities/{activity['id']}/questions/{question_id}", json=body)
    assert edited.status_code == 200
    again = world.caller(learner).get(f"/api/v1/exam-attempts/{attempt['attempt_id']}").json["questions"][0]
    assert again["stem"] == shown["stem"] and again["options"] == shown["options"]
    with app.app_context():
        assert len(db.session.get(Question, question_id).versions) == 2


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "正确答案"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_import_with_one_bad_row_imports_nothing_and_names_the_row(app, world):
    activity = world.create(sessions=1)
    admin = world.caller(world.admin)
    url = f"/api/v1/activities/{activity['id']}/questions.xlsx"
    template = admin.get(url)
    assert template.status_code == 200 and template.data[:2] == b"PK"
    good = ["单选题", "正确的是", "甲", "乙", "", "", "", "", "A"]
    bad = ["多选题", "缺答案的题", "甲", "乙", "丙", "", "", "", "AZ"]
    refused = admin.post(url, data={"file": (io.BytesIO(_workbook([good, good, bad, good])), "q.xlsx")},
                         content_type="multipart/form-data")
    assert refused.status_code == 400 and re.search(r"\b4\b", refused.json["message"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    imported = admin.post(url, data={"file": (io.BytesIO(template.data), "template.xlsx")}, content_type="multipart/form-data")
    assert imported.status_code == 201 and imported.json["imported"] == 3
    # Through the organiser's page: a preview first, then the import.
    client = app.test_client()
    login(client, world.admin.username, world.admin.password)
    page = client.get(f"/exams/activity/{activity['id']}").get_data(as_text=True)
    preview = client.post(f"/exams/activity/{activity['id']}/import",
                          data={"csrf_token": csrf_from(page), "file": (io.BytesIO(_workbook([good])), "q.xlsx")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "正确的是" in preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 3
    token = preview.split('name="token" value="')[1].split('"')[0]
    client.post(f"/exams/activity/{activity['id']}/import/confirm", data={"csrf_token": csrf_from(preview), "token": token})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 4


def test_the_exam_page_carries_the_learners_name_and_masked_id_and_counts_leaving_it(app, world):
    activity, learner = ready(world)
    client = app.test_client()
    login(client, learner.username, learner.password)
    page = client.get(f"/exam/{activity['id']}").get_data(as_text=True)
    started = client.post(f"/exam/{activity['id']}", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 302
    exam_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "张医生" in exam_page and learner.id_number not in exam_page and learner.id_number[-4:] in exam_page
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    token = csrf_from(exam_page)
    for _n in range(2):
        assert client.post(f"/api/v1/exam-attempts/{attempt_id}/hidden", headers={"X-CSRFToken": token}).status_code == 204
    assert client.post(f"/api/v1/exam-attempts/{attempt_id}/hidden").status_code in (400, 403)  # no CSRF token
    results = world.caller(world.admin).get(f"/api/v1/activities/{activity['id']}/exam/results").json
    assert results["attempts"][0]["visibility_changes"] == 2
    # Another learner's attempt is a 404, to read and to answer.
    other = world.learner("李医生")
    assert world.caller(other).get(f"/api/v1/exam-attempts/{attempt_id}").status_code == 404
    assert world.caller(other).put(f"/api/v1/exam-attempts/{attempt_id}/answers/1", json={"option_ids": []}).status_code == 404


def test_closing_the_activity_hands_in_an_attempt_whose_time_is_up_and_grants_its_pass(app, world):
    activity, learner = ready(world, required=True, time_limit_s=300)
    attempt = start(world, learner, activity).json
    answer_all(world, learner, attempt, app)
    world.clock.move(301)
    closed = world.caller(world.admin).post(f"/api/v1/activities/{activity['id']}/close").json
    assert len(closed["granted"]) == 1
    with app.app_context():
        stored = db.session.get(ExamAttempt, attempt["attempt_id"])
        assert stored.state == "finished" and stored.passed is True and stored.finished_at == stored.deadline


def test_the_organisers_pages_show_the_bank_and_results_in_chinese_and_only_for_their_activities(app, world, users):
    activity, learner = ready(world)
    attempt = start(world, learner, activity).json
    answer_all(world, learner, attempt, app)
    world.caller(learner).post(f"/api/v1/exam-attempts/{attempt['attempt_id']}/submit")
    client = app.test_client()
    login(client, world.admin.username, world.admin.password)
    manage = client.get(f"/exams/activity/{activity['id']}").get_data(as_text=True)
    assert "题库（26）" in manage and "单选题0" in manage
    results = client.get(f"/exams/activity/{activity['id']}/results").get_data(as_text=True)
    assert "张医生" in results and "离开页面次数" in results and "100%" in results and learner.id_number not in results
    stranger = app.test_client()
    other = users.person(world.other_unit, role="unit_admin", name="外院管理")
    login(stranger, other.username, other.password)
    assert stranger.get(f"/exams/activity/{activity['id']}/results").status_code == 404
    assert world.caller(other).put(f"/api/v1/activities/{activity['id']}/exam", json={}).status_code == 404


def test_the_timer_closes_overdue_attempts_with_their_saved_answers_and_grants_a_pass_once(app, world):
    activity, learner = ready(world, required=True, time_limit_s=300, max_attempts=1)
    other = world.learner("李医生")
    world.attend(other, activity, 0)
    overdue = start(world, learner, activity).json
    answer_all(world, learner, overdue, app)
    world.clock.move(200)
    running = start(world, other, activity).json
    world.clock.move(101)  # the first attempt's time is up, the second has 199 seconds left

    def close_overdue():
        done = app.test_cli_runner().invoke(args=["portal", "exams-close-overdue"])
        assert done.exit_code == 0, done.output
        return done.output

    assert close_overdue().startswith("1 ")
    with app.app_context():
        closed = db.session.get(ExamAttempt, overdue["attempt_id"])
        assert (closed.state, closed.score, closed.passed, closed.finished_at) == ("finished", 100, True, closed.deadline)
        assert db.session.get(ExamAttempt, running["attempt_id"]).state == "in_progress"
        records = db.session.scalars(select(CreditRecord).where(CreditRecord.activity_id == activity["id"])).all()
        assert [r.person_id for r in records] == [learner.id] and records[0].status == "approved"
        before = {(a.id, a.state, a.score, a.finished_at) for a in db.session.scalars(select(ExamAttempt))}
    assert close_overdue().startswith("0 ")
    with app.app_context():
        assert {(a.id, a.state, a.score, a.finished_at) for a in db.session.scalars(select(ExamAttempt))} == before
        assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 1
    # The learner who was still answering keeps answering.
    slot = running["questions"][0]["slot"]
    saved = world.caller(other).put(f"/api/v1/exam-attempts/{running['attempt_id']}/answers/{slot}",
                                    json={"option_ids": [running["questions"][0]["options"][0]["id"]]})
    assert saved.status_code == 200
