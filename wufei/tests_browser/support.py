"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

This module is a pytest plugin loaded once by the root conftest.py (``pytest_plugins``), so
the session-wide browser starts once for every app's browser tests. Test modules import the
helpers (``Visit``, ``PHONE``, ``_open`` …) from here but never the fixtures themselves: an
imported fixture would be a second definition and start a second Playwright in the same loop.

Run by ``.ci/run`` (stage g) with ``WUFEI_BROWSER_TESTS=1``; skipped otherwise (see the root
conftest.py). Never ``playwright install``: the browser is /usr/bin/chromium from apt.
Every page visited can be saved under ``test-output/screenshots/<name>.png``; each test fails
if the page logged a Content-Security-Policy violation or a JavaScript error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from playwright.sync_api import Page, Response

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# synchronous and safe, so tell Django not to refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("WUFEI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo_data(transactional_db):
    """The official reference data and a small deterministic demo province."""
    call_command("load_reference_data", verbosity=0)
    if "seed_demo" in get_commands():
        call_command("seed_demo", "--scale", "30", "--no-activity", verbosity=0)


@dataclass
class Visit:
    """One browser tab on the live server, recording CSP violations and script errors."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> Response:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, (
            f"{path}: HTTP {response and response.status}"
        )
        return response

    def login(self, username: str, password: str | None = None) -> None:
        page = self.page
        self.go("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or str(settings.WUFEI["DEMO_PASSWORD"]))
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, (
            f"{username} could not sign in: {self.text('main')[:300]}"
        )

    def text(self, selector: str = "body") -> str:
        return self.page.inner_text(selector)

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def _open(chromium, live_server, viewport) -> Iterator[Visit]:
    context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit = Visit(page=page, base_url=live_server.url)

    def on_console(message) -> None:
        if re.search(r"Content.Security.Policy", message.text, re.I):
            visit.problems.append(f"CSP on {page.url}: {message.text}")
        elif message.type == "error" and "favicon" not in message.text:
            visit.problems.append(f"console error on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: visit.problems.append(f"script error on {page.url}: {exc}"))
    yield visit
    context.close()
    assert not visit.problems, "\n".join(visit.problems)


@pytest.fixture
def browser(chromium, live_server, demo_data) -> Iterator[Visit]:
    yield from _open(chromium, live_server, DESKTOP)


@pytest.fixture
def phone(chromium, live_server, demo_data) -> Iterator[Visit]:
    yield from _open(chromium, live_server, PHONE)
