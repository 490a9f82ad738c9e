"""What a person does on the portal's pages, written once for the browser tests."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.helpers import CAPTCHA

DESKTOP = (1366, 768)
PHONE = (375, 812)
SCREENSHOTS = Path(__file__).parent / "screenshots"
LOGIN_URL = re.compile(r"/login/?(\?.*)?$")


def sign_in(page: Page, username: str, password: str, captcha: str = CAPTCHA) -> None:
    """Sign in through the login form: username, password and the code in the picture."""
    page.goto("/login/")
    # Loading the picture starts this browser's captcha challenge.
    page.wait_for_function("() => document.getElementById('captcha-image').naturalWidth > 0")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#captcha", captcha)
    with page.expect_navigation():
        page.locator("form[name=login] button[type=submit]").click()
    expect(page).not_to_have_url(LOGIN_URL)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def wide_elements(page: Page) -> list[str]:
    """The elements sticking out past the window's right edge, for a readable failure message."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > window.innerWidth + 0.5) {
                out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                         `${el.className && typeof el.className === 'string'
                              ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
                         ` right=${Math.round(r.right)}`);
            }
        }
        return out.slice(0, 15);
    }""")


def fits_the_phone(page: Page) -> None:
    """The page does not scroll sideways (names what sticks out when it does)."""
    overflow = horizontal_overflow(page)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px; too wide: {wide_elements(page)}"


def on_phone(page: Page) -> bool:
    return (page.viewport_size["width"], page.viewport_size["height"]) == PHONE


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot, named after the page and the viewport, to look at."""
    size = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=True)
