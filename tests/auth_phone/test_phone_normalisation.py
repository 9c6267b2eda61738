import pytest

from core.phones import InvalidPhone, normalize_phone
from profiles.models import User
from tests.phones import AS_JSON_FLOAT, TOO_LONG, phone_number, spelled


@pytest.mark.parametrize(
    "raw",
    [
        spelled(phone_number(), "+7 (###) ###-##-##"),
        spelled(phone_number(), "8##########"),
        phone_number(),
        spelled(phone_number(), " +7 ### ### ## ## "),
    ],
)
def test_spellings_of_one_number_normalise_to_e164(raw):
    assert normalize_phone(raw) == phone_number()


@pytest.mark.parametrize("raw", ["", "   ", "123", TOO_LONG, "phone", "+", "1" * 33])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_all_spellings_reach_one_user(api):
    statuses = []
    for index, raw in enumerate(
        [
            spelled(phone_number(), "+7 (###) ###-##-##"),
            spelled(phone_number(), "8##########"),
            phone_number(),
        ]
    ):
        # The per-phone cooldown would refuse the second request; give each its own window.
        from django.core.cache import cache

        cache.clear()
        response = api.post("/auth/sms/", {"phone": raw}, format="json")
        statuses.append(response.status_code)
        assert response.json()["phone"] == phone_number(), index
    assert statuses == [201, 200, 200]
    assert list(User.objects.values_list("phone", flat=True)) == [phone_number()]


@pytest.mark.parametrize(
    "payload",
    [{"phone": "12"}, {"phone": "not a phone"}, {"phone": ""}, {}, {"phone": AS_JSON_FLOAT}],
)
def test_invalid_phone_answers_400_on_the_field_and_creates_nothing(api, payload):
    response = api.post("/auth/sms/", payload, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    assert not User.objects.exists()
