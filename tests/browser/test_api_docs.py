"""The API documentation pages render every operation from files the app serves itself."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

OPERATION = "Request a one-time login code by SMS"


def test_redoc_renders_the_operations_with_no_outside_request(recording_page):
    page = recording_page.page
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto("/api/docs/")
    # A megabyte of script to run first: more than expect's 5 s on a busy machine.
    expect(page.get_by_role("heading", name=OPERATION)).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Log in with the SMS code")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs-redoc", full_page=False, ui=False)
    assert recording_page.requests, "the page made no request at all"
    assert recording_page.outside_requests() == []
    assert recording_page.blocked_by_policy == []  # not even ReDoc's logo was asked for
    assert console_errors == []
    # The sidebar: the login endpoints first, the webhook events last.
    groups = page.locator(".menu-content li[data-item-id^='tag/']")
    ids = [groups.nth(i).get_attribute("data-item-id") for i in range(groups.count())]
    tags = [item for item in ids if item.count("/") == 1]
    assert tags[0] == "tag/auth" and tags[-1] == "tag/webhooks", tags


def test_swagger_ui_renders_the_operations_with_no_outside_request(recording_page):
    page = recording_page.page
    page.goto("/api/swagger/")
    expect(page.locator(".opblock-summary", has_text=OPERATION)).to_be_visible()
    expect(page.locator(".opblock-summary", has_text="/users/login/")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs-swagger", full_page=False, ui=False)
    assert recording_page.outside_requests() == []
    assert recording_page.blocked_by_policy == []
