"""Browser tests: the system Chromium, driven by Playwright, against pytest-django's live
server (the app in a thread, transactional database) with the simulated SMS sender and
the development inbox switched on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_SIZE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SMS_CODE_RE = re.compile(r"Your login code: (\d{4})\.")
INVITE_CODE_RE = re.compile(r"^[0-9A-Z]{6}$")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Sync Playwright keeps an event loop running in this thread, which Django's
    # async-safety check would take for async code calling the ORM from the tests.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def site(live_server, settings, tmp_path):
    """The live server, configured as `make run` is: simulated SMS, development inbox."""
    settings.SMS_BACKEND = "simulated"
    settings.SMS_DELAY_MIN = settings.SMS_DELAY_MAX = 0
    settings.SMS_DEV_INBOX = True
    settings.DEBUG = True  # the inbox answers only in development
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return live_server


class RecordingPage:
    """A Playwright page plus every request it made, and those its own content security
    policy stopped inside the browser (they never reach the network)."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.blocked_by_policy: list[tuple[str, str]] = []  # (resource type, url)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        if request.failure == "csp":
            self.blocked_by_policy.append((request.resource_type, request.url))

    def outside_requests(self) -> list[str]:
        """Requests that left the browser for another host than the live server."""
        host = urlsplit(self.base_url).netloc
        blocked = {url for _, url in self.blocked_by_policy}
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != host
            and url not in blocked
        ]


def _new_page(browser: Browser, base_url: str, **options) -> tuple[RecordingPage, object]:
    context = browser.new_context(base_url=base_url, viewport=PHONE_SIZE, **options)
    context.set_default_timeout(15_000)
    return RecordingPage(context.new_page(), base_url), context


@pytest.fixture
def new_page(browser, site):
    """Open a fresh browser (own cookies) on the live server; several may be open."""
    contexts = []

    def _open(**options) -> Page:
        recording, context = _new_page(browser, site.url, **options)
        contexts.append(context)
        return recording.page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def recording_page(browser, site) -> Iterator[RecordingPage]:
    recording, context = _new_page(browser, site.url)
    yield recording
    context.close()


UNLABELLED_INPUTS_JS = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && el.labels.length === 0 && !el.ariaLabel)
    .map((el) => el.outerHTML)"""


def assert_tidy(page: Page) -> None:
    """What every page of the UI owes a phone-sized screen: no sideways scrolling, and a
    label on every input."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert page.evaluate(UNLABELLED_INPUTS_JS) == [], page.url


def screenshot(page: Page, name: str, *, full_page: bool = True, ui: bool = True) -> Path:
    """Save a screenshot of a page; for the UI's own pages, check `assert_tidy` first."""
    if ui:
        assert_tidy(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sms_code_on_page(page: Page) -> str:
    """The code in the simulated SMS the code page shows (development inbox)."""
    text = page.locator("#dev-inbox-text")
    text.wait_for(state="visible")
    return SMS_CODE_RE.search(text.inner_text()).group(1)


def log_in(page: Page, phone: str) -> None:
    """Sign in through the UI, reading the code from the development inbox."""
    page.goto("/")
    page.get_by_label("Phone number").fill(phone)
    page.get_by_role("button", name="Get a code").click()
    page.wait_for_url("**/login/code/")
    page.get_by_label("Code from the SMS").fill(sms_code_on_page(page))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/profile/")
