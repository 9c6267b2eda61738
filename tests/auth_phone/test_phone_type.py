"""A phone must be sent as a string: a JSON number is refused, not guessed at."""

import pytest

from profiles.models import User
from tasks.models import SmsDelivery
from tests.phones import AS_JSON_NUMBER, NATIONAL_AS_JSON_NUMBER, phone_number


@pytest.mark.parametrize("phone", [AS_JSON_NUMBER, NATIONAL_AS_JSON_NUMBER, True, [phone_number()]])
def test_a_phone_that_is_not_a_string_answers_400(api, phone):
    response = api.post("/auth/sms/", {"phone": phone}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["Not a valid string."]}
    assert not User.objects.exists() and not SmsDelivery.objects.exists()


def test_login_with_a_numeric_phone_answers_400(api):
    response = api.post(
        "/users/login/", {"phone": AS_JSON_NUMBER, "password": "1234"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"phone": ["Not a valid string."]}
