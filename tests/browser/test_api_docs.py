"""The API documentation pages render every operation from files the app serves itself."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

OPERATION = "Request a one-time login code by SMS"


def test_redoc_renders_the_operations_with_no_outside_request(recording_page):
    page = recording_page.page
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name=OPERATION)).to_be_visible()
    expect(page.get_by_role("heading", name="Log in with the SMS code")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs-redoc", full_page=False, ui=False)
    assert recording_page.requests, "the page made no request at all"
    assert recording_page.outside_requests() == []
    # The page's policy stopped only ReDoc's built-in logo; nothing it needs is elsewhere.
    assert {kind for kind, _ in recording_page.blocked_by_policy} <= {"image"}


def test_swagger_ui_renders_the_operations_with_no_outside_request(recording_page):
    page = recording_page.page
    page.goto("/api/swagger/")
    expect(page.locator(".opblock-summary", has_text=OPERATION)).to_be_visible()
    expect(page.locator(".opblock-summary", has_text="/users/login/")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs-swagger", full_page=False, ui=False)
    assert recording_page.outside_requests() == []
    assert recording_page.blocked_by_policy == []
