"""Every error a person can meet while signing in is shown next to the input it concerns,
in the API's words, and nothing happens on the way."""

import re

import pytest
from playwright.sync_api import expect

from auth_phone.models import LoginCode
from profiles.models import User
from tests.browser.conftest import screenshot, sms_code_on_page
from tests.phones import EXAMPLE_IN_ERRORS, phone_number

pytestmark = pytest.mark.browser

PHONE = phone_number()
RETRY_RE = r"Try again in \d+ seconds\."


def ask_code(page, phone=PHONE):
    page.goto("/")
    page.get_by_label("Phone number").fill(phone)
    page.get_by_role("button", name="Get a code").click()


def enter_code(page, code):
    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Log in").click()


def field_error(page):
    return page.locator(".field .error")


def test_invalid_phone_is_refused_and_creates_nothing(page):
    ask_code(page, "12-34")
    expect(field_error(page)).to_have_text(f"Enter a valid phone number, e.g. {EXAMPLE_IN_ERRORS}.")
    expect(page.get_by_label("Phone number")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith("/")
    assert not User.objects.exists() and not LoginCode.objects.exists()


def test_empty_phone_is_refused(page):
    ask_code(page, "")
    expect(field_error(page)).to_have_text("This field is required.")
    assert not User.objects.exists()


def test_wrong_code_counts_an_attempt_and_does_not_log_in(page):
    ask_code(page)
    page.wait_for_url("**/login/code/")
    right = sms_code_on_page(page)
    enter_code(page, "0000" if right != "0000" else "1111")
    expect(field_error(page)).to_have_text(
        "Invalid or expired code. Check it, or request a new code."
    )
    screenshot(page, "3-wrong-code")
    assert LoginCode.objects.get().attempts == 1
    assert User.objects.get(phone=PHONE).last_login is None
    page.goto("/profile/")
    expect(page.get_by_label("Phone number")).to_be_visible()


def test_malformed_code_is_a_field_error_that_costs_no_attempt(page):
    ask_code(page)
    page.wait_for_url("**/login/code/")
    enter_code(page, "12a")
    expect(field_error(page)).to_have_text("The code is 4 digits.")
    assert LoginCode.objects.get().attempts == 0


def test_a_second_code_within_the_cooldown_is_refused_on_both_pages(page):
    ask_code(page)
    page.wait_for_url("**/login/code/")
    first = LoginCode.objects.get()
    page.get_by_role("button", name="Send a new code").click()
    expect(page.locator("p.error")).to_have_text(
        re.compile(r"^A code was sent to this number moments ago\. " + RETRY_RE + "$")
    )
    ask_code(page)
    expect(field_error(page)).to_have_text(
        re.compile(r"^A code was sent to this number moments ago\. " + RETRY_RE + "$")
    )
    # The refused requests replaced nothing.
    assert list(LoginCode.objects.all()) == [first]


def test_too_many_codes_from_one_address(page, settings):
    settings.SMS_IP_HOURLY_LIMIT = 1
    ask_code(page, phone_number())
    page.wait_for_url("**/login/code/")
    ask_code(page, phone_number(1234568))
    expect(field_error(page)).to_have_text(
        re.compile(r"^Too many codes requested from your address\. " + RETRY_RE + "$")
    )
    assert not User.objects.filter(phone=phone_number(1234568)).exists()


def test_too_many_wrong_codes_locks_the_phone_out(page, settings):
    settings.LOGIN_FAILURES_HOURLY_LIMIT = 2
    ask_code(page)
    page.wait_for_url("**/login/code/")
    right = sms_code_on_page(page)
    wrong = "0000" if right != "0000" else "1111"
    enter_code(page, wrong)
    expect(field_error(page)).to_have_text(
        "Invalid or expired code. Check it, or request a new code."
    )
    enter_code(page, wrong)
    expect(field_error(page)).to_have_text(
        "Invalid or expired code. Check it, or request a new code."
    )
    # Locked out now: even the right code is refused, and it is not consumed.
    enter_code(page, right)
    expect(field_error(page)).to_have_text(
        re.compile(r"^Too many wrong codes for this number\. " + RETRY_RE + "$")
    )
    assert LoginCode.objects.get().used_at is None
    assert User.objects.get(phone=PHONE).last_login is None
