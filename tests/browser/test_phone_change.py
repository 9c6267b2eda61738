"""A change of phone number in the browser: the edit page asks for it, the code sent to the
new number (read from the development inbox) confirms it, in English and in Russian."""

import re

import pytest
from playwright.sync_api import Page, expect

from profiles.models import User
from tests.browser.conftest import log_in, screenshot
from tests.phones import phone_number, spelled

pytestmark = pytest.mark.browser

ALICE, BOB = phone_number(1), phone_number(2)
NEW = phone_number(9, code=921)
# The SMS is in the UI's language: the Russian page gets the Russian text.
CHANGE_CODE_RE = re.compile(
    r"(?:Code to confirm this number for your account|Код смены номера): (\d{4})\."
)


def change_code_on_page(page: Page) -> str:
    text = page.locator("#dev-inbox-text")
    text.wait_for(state="visible")
    return CHANGE_CODE_RE.search(text.inner_text()).group(1)


def test_a_new_number_is_confirmed_with_its_code_and_then_logs_in(new_page, settings):
    page = new_page()
    log_in(page, ALICE)
    alice = User.objects.get(phone=ALICE)
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_label("Phone number")).to_have_value(ALICE)

    page.get_by_label("Phone number").fill(spelled(phone_number(9, code=921), "8 ### ###-##-##"))
    page.get_by_label("First name").fill("Alice")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/profile/phone/")
    expect(page.locator(".lead")).to_contain_text(NEW)
    code = change_code_on_page(page)
    screenshot(page, "8-phone-code")
    alice.refresh_from_db()
    assert alice.phone == ALICE and alice.first_name == "Alice"  # saved; the phone waits

    wrong = f"{(int(code) + 1) % 10000:04d}"
    page.get_by_label("Code from the SMS").fill(wrong)
    page.get_by_role("button", name="Change the number").click()
    expect(page.locator(".field .error")).to_have_text(
        "Invalid or expired code. Check it, or request a new code."
    )
    assert User.objects.get(pk=alice.pk).phone == ALICE

    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Change the number").click()
    page.wait_for_url("**/profile/")
    expect(page.locator(".messages")).to_have_text(f"Your phone number is now {NEW}.")
    expect(page.locator(".phone")).to_have_text(NEW)
    assert User.objects.get(pk=alice.pk).phone == NEW

    # The new number opens the same account; the old one is a stranger now. (The change
    # code used the new number's one code per minute: the limits are lifted to go on.)
    settings.RATE_LIMITS_ENABLED = False
    page.get_by_role("button", name="Log out").click()
    log_in(page, NEW)
    expect(page.locator(".phone")).to_have_text(NEW)
    expect(page.locator("h1")).to_contain_text("Alice")
    other = new_page()
    log_in(other, ALICE)
    assert User.objects.get(phone=ALICE).pk != alice.pk


def test_a_number_of_another_account_leads_to_the_code_page_as_a_free_one(new_page):
    page = new_page()
    log_in(page, ALICE)
    User.objects.create_user(BOB)
    page.goto("/profile/edit/")

    page.get_by_label("Phone number").fill(BOB)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/profile/phone/$"))
    assert User.objects.get(phone=ALICE).phone == ALICE


def test_the_change_in_russian(page):
    log_in(page, ALICE)
    page.get_by_role("button", name="RU").click()
    page.goto("/profile/edit/")
    page.get_by_label("Номер телефона").fill(NEW)
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url("**/profile/phone/")
    expect(page.locator("h1")).to_have_text("Подтвердите новый номер")
    code = change_code_on_page(page)
    screenshot(page, "phone-code-ru")

    page.get_by_label("Код из SMS").fill(code)
    page.get_by_role("button", name="Сменить номер").click()
    page.wait_for_url("**/profile/")
    expect(page.locator(".messages")).to_have_text(f"Теперь ваш номер телефона — {NEW}.")
