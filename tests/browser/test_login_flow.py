"""Signing in through the browser: phone form, code page (with the development inbox),
session login, log out."""

import pytest
from playwright.sync_api import expect

from profiles.models import User
from tests.browser.conftest import INVITE_CODE_RE, log_in, screenshot, sms_code_on_page
from tests.conftest import last_code
from tests.factories import UserFactory
from tests.phones import phone_number, spelled

pytestmark = pytest.mark.browser

PHONE = phone_number()


def test_phone_code_profile_with_the_code_from_the_page(page):
    page.goto("/")
    screenshot(page, "1-phone")
    page.get_by_label("Phone number").fill(spelled(phone_number(), "8 (###) ###-##-##"))
    page.get_by_role("button", name="Get a code").click()
    page.wait_for_url("**/login/code/")
    # Nothing is welcomed before the code is in: whoever typed the number may not own it.
    expect(page.locator(".messages")).to_have_count(0)
    expect(page.locator(".lead")).to_have_text(f"We sent a 4-digit code to {PHONE}.")
    code = sms_code_on_page(page)
    screenshot(page, "2-code")

    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/profile/")
    expect(page.locator(".messages")).to_have_text("Welcome! Your account has been created.")
    expect(page.locator("main")).to_contain_text(PHONE)
    shown = page.locator(".invite-code").inner_text()
    assert INVITE_CODE_RE.fullmatch(shown)
    user = User.objects.get(phone=PHONE)
    assert shown == user.invite_code and user.phone_verified_at is not None


def test_log_out_ends_the_session(page):
    UserFactory(phone=PHONE)
    log_in(page, PHONE)
    expect(page.locator(".messages")).to_have_text("You are logged in.")  # no welcome
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    expect(page.locator(".messages")).to_contain_text("You are logged out.")
    page.goto("/profile/")
    # The profile needs a login again.
    expect(page.get_by_label("Phone number")).to_be_visible()
    assert "/profile/" not in page.url.split("?")[0]


@pytest.fixture
def worker(site, settings):
    """A real Celery worker over the Redis broker; the simulated SMS takes a while."""
    from celery.contrib.testing.worker import start_worker

    from project.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live
    settings.SMS_DELAY_MIN = settings.SMS_DELAY_MAX = 1.0
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        yield


def test_code_page_waits_for_the_sms_from_a_real_worker(page, worker):
    from tasks import sms

    # The SMS of an earlier request is still in the inbox: the page must not take it.
    sms.SimulatedSender().send(phone=PHONE, text="Your login code: 9999. Old.")
    page.goto("/")
    page.get_by_label("Phone number").fill(PHONE)
    page.get_by_role("button", name="Get a code").click()
    page.wait_for_url("**/login/code/")
    # The page came before the SMS: it waits, then shows it without a reload.
    expect(page.locator("#dev-inbox-waiting")).to_be_visible()
    expect(page.locator("#dev-inbox-text")).to_be_hidden()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    code = sms_code_on_page(page)
    assert "Old." not in page.locator("#dev-inbox-text").inner_text()
    expect(page.locator("#dev-inbox-waiting")).to_be_hidden()
    assert navigations == []
    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/profile/")
    expect(page.locator("main")).to_contain_text(PHONE)


def test_outside_development_the_code_page_shows_no_sms(recording_page, settings):
    settings.SMS_DEV_INBOX = False
    settings.SMS_BACKEND = "locmem"
    page = recording_page.page
    page.goto("/")
    page.get_by_label("Phone number").fill(PHONE)
    page.get_by_role("button", name="Get a code").click()
    page.wait_for_url("**/login/code/")
    code = last_code(PHONE)
    expect(page.get_by_label("Code from the SMS")).to_be_visible()
    assert page.locator("#dev-inbox").count() == 0
    assert "Your login code" not in page.content()
    assert not any("/dev/sms/" in url or "dev-inbox" in url for url in recording_page.requests)
    # The code from the phone works all the same.
    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/profile/")
