"""The language switch: the pages, and the errors the services raise, in Russian."""

import re

import pytest
from playwright.sync_api import expect

from profiles.models import User
from tests.browser.conftest import log_in, screenshot
from tests.phones import EXAMPLE_IN_ERRORS, phone_number

pytestmark = pytest.mark.browser


def test_switching_to_russian_translates_pages_and_errors(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Sign in with your phone")
    page.get_by_role("button", name="RU").click()
    expect(page.locator("h1")).to_have_text("Вход по номеру телефона")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot(page, "phone-ru")

    page.get_by_label("Номер телефона").fill("12-34")
    page.get_by_role("button", name="Получить код").click()
    expect(page.locator(".field .error")).to_have_text(
        f"Введите правильный номер телефона, например {EXAMPLE_IN_ERRORS}."
    )
    assert not User.objects.exists()

    page.get_by_label("Номер телефона").fill(phone_number())
    page.get_by_role("button", name="Получить код").click()
    page.wait_for_url("**/login/code/")
    expect(page.locator(".lead")).to_have_text(
        f"Мы отправили 4-значный код на номер {phone_number()}."
    )
    page.get_by_role("button", name="Отправить новый код").click()
    expect(page.locator("p.error")).to_have_text(
        re.compile(r"^Код на этот номер был отправлен только что\. Повторите через \d+ секунд")
    )

    # And back: the choice is the visitor's, kept across pages.
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_label("Code from the SMS")).to_be_visible()


def test_an_unknown_invite_code_is_explained_in_both_languages(page):
    log_in(page, phone_number(1234567))
    page.get_by_label("Invite code", exact=True).fill("zzzzzz")
    page.get_by_role("button", name="Activate").click()
    error = page.locator("#activated-title ~ form .error")
    expect(error).to_have_text("There is no invite code ZZZZZZ. Check it and try again.")
    page.goto("/profile/")
    page.get_by_role("button", name="RU").click()
    page.get_by_label("Инвайт-код", exact=True).fill("ZZZZZZ")
    page.get_by_role("button", name="Активировать").click()
    expect(error).to_have_text("Инвайт-кода ZZZZZZ нет. Проверьте его и попробуйте ещё раз.")
    screenshot(page, "activation-error-ru")
