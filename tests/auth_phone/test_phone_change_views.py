"""The browser UI of a change of number: the edit page asks, /profile/phone/ confirms."""

from __future__ import annotations

import pytest
from django.test import Client

from auth_phone.models import LoginCode
from tasks.sms import LocmemSender
from tests.conftest import last_code, snapshot
from tests.factories import browser_login
from tests.phones import phone_number, spelled

NEW = phone_number(9876543, code=921)


@pytest.fixture
def client(user) -> Client:
    client = Client()
    browser_login(client, user)
    return client


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and run the on-commit callbacks (the SMS tasks), as a real request does."""

    def _post(url: str, data: dict, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return _post


def test_the_edit_page_offers_the_phone_filled_in(client, user):
    page = client.get("/profile/edit/").content.decode()
    assert 'name="phone"' in page and f'value="{user.phone}"' in page


def test_a_new_number_leads_to_the_code_page_and_the_code_changes_it(client, user, post):
    old_phone = user.phone
    response = post(
        "/profile/edit/",
        {
            "phone": spelled(phone_number(9876543, code=921), "8 ### ###-##-##"),
            "first_name": "Anna",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/profile/phone/"
    user.refresh_from_db()
    assert user.phone == old_phone and user.first_name == "Anna"

    page = client.get("/profile/phone/").content.decode()
    assert NEW in page and 'name="code"' in page
    assert "dev-inbox" not in page  # outside development no code is shown anywhere
    # The edit page points to the pending change.
    assert 'href="/profile/phone/"' in client.get("/profile/edit/").content.decode()

    done = post("/profile/phone/", {"code": last_code(NEW)}, follow=True)

    assert done.redirect_chain == [("/profile/", 302)]
    assert f"Your phone number is now {NEW}." in done.content.decode()
    user.refresh_from_db()
    assert user.phone == NEW
    assert any(m["phone"] == old_phone for m in LocmemSender.outbox)
    assert client.get("/profile/phone/")["Location"] == "/profile/edit/"


def test_a_wrong_code_is_shown_under_the_field(client, user, post):
    post("/profile/edit/", {"phone": NEW})
    wrong = f"{(int(last_code(NEW)) + 1) % 10000:04d}"
    before = snapshot(user)

    page = post("/profile/phone/", {"code": wrong}).content.decode()

    assert "Invalid or expired code. Check it, or request a new code." in page
    assert snapshot(user) == before


def test_a_malformed_code_costs_no_attempt(client, user, post):
    post("/profile/edit/", {"phone": NEW})
    page = post("/profile/phone/", {"code": "12"}).content.decode()
    assert "The code is 4 digits." in page
    assert LoginCode.objects.get(user=user, purpose="phone_change").attempts == 0


def test_a_taken_number_leads_to_the_code_page_as_a_free_one(client, user, make_user, post):
    other = make_user()
    response = post("/profile/edit/", {"phone": other.phone, "first_name": "Anna"})
    assert response.status_code == 302 and response["Location"] == "/profile/phone/"
    page = client.get("/profile/phone/").content.decode()
    assert other.phone in page and 'name="code"' in page
    assert LocmemSender.outbox == []


def test_an_invalid_number_is_refused(client, user, post):
    page = post("/profile/edit/", {"phone": "12"}).content.decode()
    assert "Enter a valid phone number" in page
    assert not LoginCode.objects.exists()


def test_the_own_number_or_an_empty_field_saves_as_before(client, user, post):
    for phone in (user.phone, ""):
        response = post("/profile/edit/", {"phone": phone, "first_name": "Anna"})
        assert response["Location"] == "/profile/"
    assert not LoginCode.objects.exists()


def test_the_code_page_without_a_pending_change_goes_back_to_the_edit_page(client):
    assert client.get("/profile/phone/")["Location"] == "/profile/edit/"


def test_a_rate_limit_is_shown_on_the_form(client, user, post):
    post("/profile/edit/", {"phone": NEW})
    page = post("/profile/edit/", {"phone": NEW, "first_name": "Anna"}).content.decode()
    assert "A code was sent to this number moments ago." in page
    user.refresh_from_db()
    assert user.first_name is None


def test_in_russian(client, user, post):
    client.cookies["django_language"] = "ru"
    post("/profile/edit/", {"phone": NEW})
    page = client.get("/profile/phone/").content.decode()
    assert "Подтвердите новый номер" in page and "Сменить номер" in page
    refused = post("/profile/phone/", {"code": "12"}).content.decode()
    assert "Код состоит из 4 цифр." in refused


def test_the_code_page_shows_the_simulated_sms_in_development(client, user, settings):
    settings.SMS_BACKEND = "simulated"
    settings.SMS_DEV_INBOX = True
    settings.DEBUG = True  # the inbox is a development tool
    client.post("/profile/edit/", {"phone": NEW})  # on-commit never runs: not delivered yet
    page = client.get("/profile/phone/").content.decode()
    assert 'id="dev-inbox-waiting">' in page
    assert f'data-url="/dev/sms/?phone=%2B{NEW[1:]}"' in page
