"""Browser fixtures: the session's test app served on a free local port in a background thread,
Debian's Chromium driven by Playwright's sync API, and a fresh browser context per page.

Tests ask for ``page`` (one context, 1366×768 unless parametrised indirectly with a
``(width, height)`` tuple) or for ``new_page`` to open more contexts, e.g. a second user
signing in next to the first one. Every context starts without cookies."""
from __future__ import annotations

import contextlib
import threading

import pytest
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.e2e.pages import DESKTOP, SCREENSHOTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request (a page pulls some twenty files); errors still show."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the session app, served by werkzeug on 127.0.0.1 (port chosen by the OS)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Factory: ``new_page(viewport=(w, h))`` opens a page in a new, cookie-less context.
    Contexts are closed at the end of the test; a failing test leaves a screenshot of each
    open page in screenshots/failures/."""
    contexts = []

    def open_page(viewport: tuple[int, int] = DESKTOP) -> Page:
        width, height = viewport
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": height}, locale="zh-CN",
            device_scale_factor=1, is_mobile=width < 600, has_touch=width < 600,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "e2e_call_failed", False)
    for n, context in enumerate(contexts):
        if failed:
            for m, p in enumerate(context.pages):
                folder = SCREENSHOTS / "failures"
                folder.mkdir(parents=True, exist_ok=True)
                # The page may be gone; the failure itself is what matters.
                with contextlib.suppress(Exception):
                    p.screenshot(path=str(folder / f"{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()


@pytest.fixture
def page(new_page, request) -> Page:
    """One page in a fresh context; ``@pytest.mark.parametrize("page", [(w, h)], indirect=True)``
    chooses the viewport."""
    return new_page(getattr(request, "param", DESKTOP))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.e2e_call_failed = True
    return report

