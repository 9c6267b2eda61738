"""A failed login tells nothing about the number: a wrong guess at a live code, a number
without a code, an expired code and a used-up one answer alike (decision 51), in the API
and in the UI, so nobody learns which numbers have a code waiting."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from auth_phone.models import LoginCode
from tests.phones import phone_number

LIVE = phone_number(5100001)
EXPIRED = phone_number(5100002)
EXHAUSTED = phone_number(5100003)
NEVER_ASKED = phone_number(5100004)
# What a response says about itself; its id and date differ from one to the next anyway.
OWN_HEADERS = {"X-Request-ID", "Date"}
ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>')


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


@pytest.fixture
def numbers(request_code) -> dict[str, str]:
    """A wrong code for each number, in each of the states a login can meet."""
    guesses = {
        LIVE: wrong(request_code(LIVE)),
        EXPIRED: wrong(request_code(EXPIRED)),
        EXHAUSTED: wrong(request_code(EXHAUSTED)),
        NEVER_ASKED: "1234",
    }
    LoginCode.objects.filter(phone=EXPIRED).update(expires_at=timezone.now() - timedelta(1))
    LoginCode.objects.filter(phone=EXHAUSTED).update(attempts=5)
    return guesses


def answer(response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in OWN_HEADERS}
    return response.status_code, response.content, headers


def test_a_wrong_code_and_no_live_code_answer_the_same(api, numbers):
    answers = {
        phone: answer(api.post("/users/login/", {"phone": phone, "password": code}, format="json"))
        for phone, code in numbers.items()
    }
    assert answers[LIVE] == answers[EXPIRED] == answers[EXHAUSTED] == answers[NEVER_ASKED]
    assert answers[LIVE][0] == 400
    # The wrong guess at the live code still counted, though the answer does not say so.
    assert LoginCode.objects.get(phone=LIVE).attempts == 1


def test_the_login_page_says_the_same_for_every_number(client, numbers):
    errors = {}
    for phone, code in numbers.items():
        session = client.session
        session.update({"login_phone": phone})
        session.save()
        response = client.post("/login/code/", {"code": code})
        errors[phone] = (response.status_code, ERROR.findall(response.content.decode()))
    assert errors[LIVE] == errors[EXPIRED] == errors[EXHAUSTED] == errors[NEVER_ASKED]
    assert errors[LIVE] == (200, ["Invalid or expired code. Check it, or request a new code."])
