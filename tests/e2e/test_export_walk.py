"""A large export in a real browser: the export form sends the learner to the job's page, whose
script follows the progress until the download link shows; the browser saves the file under
its Chinese name. Screenshots of the page at desktop and phone widths."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.exports import builders
from portal.extensions import db
from portal.models import ExportJob
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.test_exports import FILENAME, KIND, register_test_table

pytestmark = pytest.mark.e2e


# How often the job page asks for the job's state (portal/static/export_job.js).
POLL_MS = 2000


def finished(app, token: str, seconds: float = 120) -> str:
    """The job's state once it is done or failed: the export takes as long as the machine needs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalar(select(ExportJob.status).where(ExportJob.token == token))
            db.session.remove()
        if status in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"export job {token} still {status} after {seconds} s")


@pytest.fixture
def large_exports(app):
    register_test_table(app)
    saved = app.config["EXPORT_INLINE_ROWS"]
    app.config["EXPORT_INLINE_ROWS"] = 10
    yield
    app.config["EXPORT_INLINE_ROWS"] = saved
    app.extensions[builders.EXTENSION].pop(KIND)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_large_export_shows_progress_and_downloads(app, users, new_page, large_exports, viewport):
    learner = users.person(users.unit("330101", "杭州市第一人民医院"), name="赵医生", self_entry=True)
    page = new_page(viewport)
    sign_in(page, learner.username, learner.password)
    page.goto("/credits/mine")
    # The form a page's export button renders (portal/templates/portal/exports/macros.html).
    with page.expect_navigation():
        page.evaluate("""kind => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = `/exports/${kind}.xlsx`;
            const token = document.querySelector('input[name=csrf_token]').value;
            for (const [name, value] of [['csrf_token', token], ['n', '20000']]) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""", KIND)
    expect(page).to_have_url(re.compile(r"/exports/jobs/[0-9a-f]{32}$"))
    assert finished(app, page.url.rsplit("/", 1)[1]) == "done"
    link = page.locator(".export-download")
    expect(link).to_be_visible(timeout=POLL_MS + 5000)   # the page's next look at the job
    expect(page.locator(".export-rows")).to_contain_text("20000")
    assert page.locator(".export-progress").evaluate("bar => [bar.value, bar.max]") == [20000, 20000]
    fits_the_phone(page)
    shoot(page, "export-job")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{FILENAME}.xlsx"
