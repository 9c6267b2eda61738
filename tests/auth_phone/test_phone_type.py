"""A phone must be sent as a string: a JSON number is refused, not guessed at."""

import pytest

from profiles.models import User
from tasks.models import SmsDelivery


@pytest.mark.parametrize("phone", [79111234567, 89111234567, True, ["+79111234567"]])
def test_a_phone_that_is_not_a_string_answers_400(api, phone):
    response = api.post("/auth/sms/", {"phone": phone}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["Not a valid string."]}
    assert not User.objects.exists() and not SmsDelivery.objects.exists()


def test_login_with_a_numeric_phone_answers_400(api):
    response = api.post("/users/login/", {"phone": 79111234567, "password": "1234"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["Not a valid string."]}
