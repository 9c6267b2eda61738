import pytest

from core.phones import InvalidPhone, normalize_phone
from profiles.models import User


@pytest.mark.parametrize(
    "raw", ["+7 (911) 123-45-67", "89111234567", "+79111234567", " +7 911 123 45 67 "]
)
def test_spellings_of_one_number_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+79111234567"


@pytest.mark.parametrize("raw", ["", "   ", "123", "+7911123456789", "phone", "+", "1" * 33])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_all_spellings_reach_one_user(api):
    statuses = []
    for index, raw in enumerate(["+7 (911) 123-45-67", "89111234567", "+79111234567"]):
        # The per-phone cooldown would refuse the second request; give each its own window.
        from django.core.cache import cache

        cache.clear()
        response = api.post("/auth/sms/", {"phone": raw}, format="json")
        statuses.append(response.status_code)
        assert response.json()["phone"] == "+79111234567", index
    assert statuses == [201, 200, 200]
    assert list(User.objects.values_list("phone", flat=True)) == ["+79111234567"]


@pytest.mark.parametrize(
    "payload",
    [{"phone": "12"}, {"phone": "not a phone"}, {"phone": ""}, {}, {"phone": 79111234567.5}],
)
def test_invalid_phone_answers_400_on_the_field_and_creates_nothing(api, payload):
    response = api.post("/auth/sms/", payload, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    assert not User.objects.exists()
