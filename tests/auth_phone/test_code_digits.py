"""Codes typed in another script's digits are read as the ASCII digits they stand for;
anything else that is not 4 digits is a field error that costs nothing."""

import pytest
from django.core.cache import cache
from django.test import Client

from auth_phone.models import LoginCode
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number()
# The digit zero of a few scripts whose digits a phone keyboard may send.
ZEROS = {"fullwidth": 0xFF10, "Arabic-Indic": 0x0660, "Devanagari": 0x0966, "Bengali": 0x09E6}


def in_script(code: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in code)


@pytest.mark.parametrize("script", ZEROS)
@pytest.mark.parametrize("field", ["password", "code"])
def test_the_right_code_in_other_digits_logs_in(api, request_code, script, field):
    typed = in_script(request_code(PHONE), ZEROS[script])
    response = api.post("/users/login/", {"phone": PHONE, field: typed}, format="json")
    assert response.status_code == 200, response.json()
    assert LoginCode.objects.get().used_at is not None


def test_a_wrong_code_in_other_digits_is_one_ordinary_wrong_try(api, request_code):
    code = request_code(PHONE)
    wrong = in_script(f"{(int(code) + 1) % 10000:04d}", ZEROS["Arabic-Indic"])
    response = api.post("/users/login/", {"phone": PHONE, "password": wrong}, format="json")
    assert response.json() == {
        "detail": "Invalid or expired code. Check it, or request a new code.",
        "code": "invalid_code",
    }
    assert LoginCode.objects.get().attempts == 1


@pytest.mark.parametrize(
    "typed",
    [
        "12a4",
        "123",
        "12345",
        "\u00b2\u00b3\u2074\u2075",  # superscripts: digits, but not decimal ones
        "\u2460\u2461\u2462\u2463",  # circled numbers
        "\u4e00\u4e8c\u4e09\u56db",  # CJK numerals
        "１２３",  # three fullwidth digits
        "12 34",
        "1234\u200b",  # zero-width space
        "-123",
        12345,
    ],
)
@pytest.mark.parametrize("field", ["password", "code"])
def test_anything_else_is_a_field_error_that_costs_nothing(api, request_code, typed, field):
    request_code(PHONE)
    response = api.post("/users/login/", {"phone": PHONE, field: typed}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["The code is 4 digits."]}
    login_code = LoginCode.objects.get()
    assert login_code.attempts == 0 and login_code.used_at is None
    assert cache.get(f"rl:login:fail:{PHONE}") is None
    assert cache.get("rl:login:ip:127.0.0.1") is None


@pytest.fixture
def ui(db, django_capture_on_commit_callbacks):
    class CommitAwareClient(Client):
        def request(self, **request):
            with django_capture_on_commit_callbacks(execute=True):
                return super().request(**request)

    return CommitAwareClient()


def test_the_browser_form_reads_other_digits_too(ui):
    ui.post("/", {"phone": PHONE})
    response = ui.post("/login/code/", {"code": in_script(last_code(PHONE), ZEROS["fullwidth"])})
    assert response.status_code == 302 and response["Location"] == "/profile/"


def test_the_browser_form_refuses_other_characters_at_no_cost(ui):
    ui.post("/", {"phone": PHONE})
    response = ui.post("/login/code/", {"code": "\u00b2\u00b3\u2074\u2075"})
    assert response.status_code == 200
    assert "The code is 4 digits." in response.content.decode()
    assert LoginCode.objects.get().attempts == 0
    assert cache.get(f"rl:login:fail:{PHONE}") is None


# --- The code that confirms a change of number is typed the same way ---------------------

NEW = phone_number(9876543, code=921)


@pytest.fixture
def changing_user(db, django_capture_on_commit_callbacks):
    from profiles.services.users import create_user
    from tests.conftest import client_for

    user = create_user(phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch("/users/update/me/", {"phone": NEW}, format="json")
    assert response.status_code == 202, response.json()
    return user


def confirm_change(user, payload):
    from tests.conftest import client_for

    return client_for(user).patch("/users/update/sms/me/", payload, format="json")


@pytest.mark.parametrize("field", ["sms_code", "code"])
def test_a_phone_change_is_confirmed_with_other_digits(changing_user, field):
    typed = in_script(last_code(NEW), ZEROS["Arabic-Indic"])
    response = confirm_change(changing_user, {"phone": NEW, field: typed})
    assert response.status_code == 200, response.json()
    changing_user.refresh_from_db()
    assert changing_user.phone == NEW


def test_a_phone_change_code_of_other_characters_costs_nothing(changing_user):
    response = confirm_change(changing_user, {"phone": NEW, "sms_code": "\u00b2\u00b3\u2074\u2075"})
    assert response.status_code == 400
    assert response.json() == {"sms_code": ["The code is 4 digits."]}
    assert LoginCode.objects.get(purpose=LoginCode.Purpose.PHONE_CHANGE).attempts == 0
    assert cache.get(f"rl:login:fail:{NEW}") is None


def test_the_browser_phone_change_form_reads_other_digits(changing_user):
    client = Client()
    client.force_login(changing_user)
    refused = client.post("/profile/phone/", {"code": "\u00b2\u00b3\u2074\u2075"})
    assert refused.status_code == 200
    assert "The code is 4 digits." in refused.content.decode()
    assert LoginCode.objects.get(purpose=LoginCode.Purpose.PHONE_CHANGE).attempts == 0
    typed = in_script(last_code(NEW), ZEROS["fullwidth"])
    response = client.post("/profile/phone/", {"code": typed})
    assert response.status_code == 302
    changing_user.refresh_from_db()
    assert changing_user.phone == NEW
