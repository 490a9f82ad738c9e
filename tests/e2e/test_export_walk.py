"""A large export in a real browser: the export form sends the learner to the job's page, whose
script follows the progress until the download link shows; the browser saves the file under
its Chinese name. Screenshots of the page at desktop and phone widths."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.exports import builders
from tests.e2e.pages import DESKTOP, PHONE, fits_the_phone, shoot, sign_in
from tests.test_exports import FILENAME, KIND, register_test_table

pytestmark = pytest.mark.e2e


@pytest.fixture
def large_exports(app):
    register_test_table(app)
    saved = app.config["EXPORT_INLINE_ROWS"]
    app.config["EXPORT_INLINE_ROWS"] = 10
    yield
    app.config["EXPORT_INLINE_ROWS"] = saved
    app.extensions[builders.EXTENSION].pop(KIND)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_large_export_shows_progress_and_downloads(users, new_page, large_exports, viewport):
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
    link = page.locator(".export-download")
    expect(link).to_be_visible()
    expect(page.locator(".export-rows")).to_contain_text("20000")
    assert page.locator(".export-progress").evaluate("bar => [bar.value, bar.max]") == [20000, 20000]
    fits_the_phone(page)
    shoot(page, "export-job")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{FILENAME}.xlsx"
