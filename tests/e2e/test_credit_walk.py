"""The credit walk of issue 3 in a real browser: no entry without the permission; with it, a
wizard record (provincial research project, 2nd member → 7 credits) with a photo and a free-form
record, one saved and one submitted, then a batch submit; the unit admin rejects one with a
comment and approves the other; the learner edits the rejected one and submits it again."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.pages import DESKTOP, SCREENSHOTS, sign_in

pytestmark = pytest.mark.e2e


def photo(tmp_path, name="certificate.jpg"):
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (230, 230, 210)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def pick_issuing_unit(page: Page, text: str) -> None:
    page.locator("#issuing_unit_id + .select2-container").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def fill_activity(page: Page, name: str) -> None:
    page.fill("#activity_name", name)
    page.fill("#activity_date", "2025-04-10")
    page.select_option("#discipline", label="临床内科学")
    page.select_option("#sub_discipline", label="心血管病学")
    pick_issuing_unit(page, "第一人民")


def test_credit_walk(users, new_page, tmp_path):
    hospital = users.unit("330101", "杭州市第一人民医院")
    without = users.person(hospital, name="未开通")
    learner = users.person(hospital, name="赵医生", self_entry=True)
    admin = users.person(hospital, role="unit_admin", name="王管理")

    page = new_page(DESKTOP)
    sign_in(page, without.username, without.password)
    expect(page.locator("a[href='/credits/new/free']")).to_have_count(0)
    page.goto("/credits/new/free")
    expect(page.locator("body")).to_contain_text("需单位开通权限")

    page = new_page(DESKTOP)
    sign_in(page, learner.username, learner.password)
    # The wizard: category → specific name → rule, the credits shown with the choice.
    page.goto("/credits/wizard")
    page.get_by_role("link", name="科研立项").click()
    page.get_by_role("link", name="省级科研立项").click()
    expect(page.get_by_role("link", name="第2成员")).to_contain_text("7.00 学分")
    page.get_by_role("link", name="第2成员").click()
    fill_activity(page, "省级课题：心衰随访")
    page.select_option("#hosting_method", label="培训班")
    page.set_input_files("#evidence", photo(tmp_path))
    expect(page.locator(".stepper li.current")).to_have_text("活动信息")  # the chips stay on the form
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.locator("[data-preview]")).to_contain_text("7.00 学分")  # the confirm step, nothing saved yet
    expect(page.locator(".stepper li.current")).to_have_text("确认")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("tbody")).to_contain_text("省级课题：心衰随访")
    expect(page.locator("tbody tr", has_text="省级课题：心衰随访")).to_contain_text("草稿")
    expect(page.locator("tbody tr", has_text="省级课题：心衰随访")).to_contain_text("7.00")

    # The free form, saved and submitted at once.
    page.goto("/credits/new/free")
    fill_activity(page, "全省心血管学术年会")
    page.select_option("#credit_level", label="省、市级学术年会")
    page.fill("#f-credits", "4")
    page.fill("#f-hours", "12")
    page.set_input_files("#evidence", photo(tmp_path, "meeting.jpg"))
    page.get_by_role("button", name="保存并上报").click()
    expect(page.locator("tbody tr", has_text="全省心血管学术年会")).to_contain_text("未审核")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-credits-1366x768.png"), full_page=True)

    # Batch submit the draft: each tick box is named for its record (勾选 and the activity).
    page.get_by_role("checkbox", name="勾选 省级课题：心衰随访", exact=True).check()
    page.get_by_role("button", name="上报勾选的记录").click()
    expect(page.locator("tbody tr", has_text="省级课题：心衰随访")).to_contain_text("未审核")

    # The unit admin rejects one with a comment and approves the other.
    reviewer = new_page(DESKTOP)
    sign_in(reviewer, admin.username, admin.password)
    reviewer.goto("/review/")
    expect(reviewer.locator("tbody tr")).to_have_count(2)
    reviewer.get_by_role("link", name="全省心血管学术年会").click()
    expect(reviewer.locator("figure.evidence-large img")).to_be_visible()
    reviewer.screenshot(path=str(SCREENSHOTS / "review-detail-1366x768.png"), full_page=True)
    reviewer.fill("#comment", "学时与证书不符，请核对")
    reviewer.get_by_role("button", name="审核不通过").click()
    reviewer.get_by_role("checkbox", name="勾选 省级课题：心衰随访", exact=True).check()
    reviewer.get_by_role("button", name="勾选记录审核通过").click()
    expect(reviewer.locator("body")).to_contain_text("没有待审核的记录")

    # The learner sees the comment, corrects the rejected record and submits it again.
    page.goto("/credits/mine?year=2025")
    rejected = page.locator("tbody tr", has_text="全省心血管学术年会")
    expect(rejected).to_contain_text("审核不通过")
    expect(rejected).to_contain_text("学时与证书不符")
    expect(page.locator("tbody tr", has_text="省级课题：心衰随访")).to_contain_text("审核通过")
    rejected.get_by_role("link", name="编辑").click()
    expect(page.locator("#activity_name")).to_have_value("全省心血管学术年会")
    page.fill("#f-hours", "10")
    page.get_by_role("button", name="保存并上报").click()
    expect(page.locator("tbody tr", has_text="全省心血管学术年会")).to_contain_text("未审核")
