"""The admin's login page (/admin/login/) counts password tries per client address
(ADMIN_LOGIN_FAILURES_HOURLY_LIMIT): beyond the limit even the right password is refused
with 429 from that address, while another address logs in; a successful login gives its
try back."""

import pytest
from django.test import Client

from tests.conftest import ADMIN_PASSWORD
from tests.factories import staff_with_password
from tests.phones import phone_number

PHONE = phone_number()
LOGIN = "/admin/login/?next=/admin/"
ADDRESS, OTHER_ADDRESS = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def staff(db):
    return staff_with_password(PHONE, ADMIN_PASSWORD)


def log_in(password: str, address: str = ADDRESS) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post(LOGIN, {"username": PHONE, "password": password})


def test_the_default_limit_is_10_an_hour(settings):
    assert settings.ADMIN_LOGIN_FAILURES_HOURLY_LIMIT == 10


def test_past_the_limit_even_the_right_password_is_refused(staff, settings):
    settings.ADMIN_LOGIN_FAILURES_HOURLY_LIMIT = 3
    for _ in range(3):
        _client, response = log_in("wrong password")
        assert response.status_code == 200  # the login form again, with its error

    client, refused = log_in(ADMIN_PASSWORD)

    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert "Too many failed admin logins from your address." in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page
    staff.refresh_from_db()
    assert staff.last_login is None
    # Another address is not refused.
    other, response = log_in(ADMIN_PASSWORD, OTHER_ADDRESS)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_a_successful_login_is_not_counted(staff, settings):
    settings.ADMIN_LOGIN_FAILURES_HOURLY_LIMIT = 2
    for _ in range(4):
        _client, response = log_in(ADMIN_PASSWORD)
        assert response.status_code == 302
    assert log_in("wrong password")[1].status_code == 200
    assert log_in(ADMIN_PASSWORD)[1].status_code == 302


def test_showing_the_login_page_is_not_counted(staff, settings):
    settings.ADMIN_LOGIN_FAILURES_HOURLY_LIMIT = 1
    client = Client(REMOTE_ADDR=ADDRESS)
    for _ in range(3):
        assert client.get(LOGIN).status_code == 200
    assert log_in(ADMIN_PASSWORD)[1].status_code == 302
