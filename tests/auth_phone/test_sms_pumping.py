"""SMS pumping: a code goes only to a number that can receive an SMS, in an allowed
country; a refused number answers 400 on `phone` and creates, sends and counts nothing."""

import pytest
from django.core.cache import cache

from auth_phone.models import LoginCode
from core.phones import UndeliverablePhone, ensure_sms_deliverable
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.phones import (
    DE_MOBILE,
    DE_VOICEMAIL,
    GB_PREMIUM,
    GB_SHARED_COST,
    GB_TOLL_FREE,
    GB_UAN,
    INTERNATIONAL_NETWORK,
    INTERNATIONAL_NETWORK_883,
    RU_FIXED_LINE,
    RU_PREMIUM_RATE,
    RU_TOLL_FREE,
    RU_UNASSIGNED,
    US_NUMBER,
    phone_number,
)

NOT_SENT = {
    "phone": ["A login code cannot be sent to this number."],
    "code": "phone_not_deliverable",
}
WRONG_COUNTRY = {
    "phone": ["Login codes are not sent to numbers of this country."],
    "code": "phone_not_deliverable",
}

RU_MOBILE = phone_number()


def ask(api, phone, ip="10.2.2.2"):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def assert_nothing_happened():
    assert not User.objects.exists()
    assert not LoginCode.objects.exists()
    assert not SmsDelivery.objects.exists()
    assert LocmemSender.outbox == []
    # No rate-limit reservation kept, no budget spent.
    assert cache.keys("rl:*") == [] and cache.keys("sms:budget:*") == []


@pytest.mark.parametrize("phone", [RU_TOLL_FREE, RU_PREMIUM_RATE, INTERNATIONAL_NETWORK])
def test_numbers_fraud_pays_for_are_refused_with_400(api, phone):
    response = ask(api, phone)
    assert response.status_code == 400
    assert response.json() == NOT_SENT
    assert_nothing_happened()


@pytest.mark.parametrize(
    "phone",
    [GB_TOLL_FREE, GB_SHARED_COST, GB_UAN, GB_PREMIUM, DE_VOICEMAIL, INTERNATIONAL_NETWORK_883],
)
def test_never_types_are_refused_even_when_every_country_is_allowed(api, settings, phone):
    settings.SMS_ALLOWED_REGIONS = ["*"]
    response = ask(api, phone)
    assert response.status_code == 400
    assert response.json() == NOT_SENT
    assert_nothing_happened()


@pytest.mark.parametrize(
    ("phone", "russian"),
    [
        (RU_PREMIUM_RATE, "На этот номер код для входа не отправляется."),
        (DE_MOBILE, "Коды для входа не отправляются на номера этой страны."),
    ],
)
def test_the_refusal_is_worded_in_the_language_of_the_request(api, phone, russian):
    response = api.post(
        "/auth/sms/",
        {"phone": phone},
        format="json",
        REMOTE_ADDR="10.2.2.2",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    assert response.json() == {"phone": [russian], "code": "phone_not_deliverable"}
    assert_nothing_happened()


def test_a_number_outside_the_allowed_countries_is_refused(api):
    response = ask(api, DE_MOBILE)
    assert response.status_code == 400
    assert response.json() == WRONG_COUNTRY
    assert_nothing_happened()


def test_allowed_countries_are_a_setting(api, settings):
    settings.SMS_ALLOWED_REGIONS = ["ru", " DE "]
    assert ask(api, DE_MOBILE).status_code == 201
    settings.SMS_ALLOWED_REGIONS = ["*"]
    assert ask(api, US_NUMBER, ip="10.2.2.3").status_code == 201


def test_the_simulated_senders_keep_the_lenient_rule_for_test_numbers(api, settings):
    assert settings.SMS_BACKEND == "locmem"
    assert ask(api, RU_UNASSIGNED).status_code == 201
    settings.SMS_BACKEND = "simulated"
    ensure_sms_deliverable(RU_UNASSIGNED)
    ensure_sms_deliverable(RU_FIXED_LINE)


@pytest.mark.parametrize("phone", [RU_UNASSIGNED, RU_FIXED_LINE])
def test_a_real_provider_sends_only_to_valid_mobile_numbers(api, settings, phone):
    settings.SMS_BACKEND = "smsaero"
    response = ask(api, phone)
    assert response.status_code == 400
    assert response.json() == NOT_SENT
    assert_nothing_happened()


def test_a_real_provider_accepts_a_valid_mobile_number(settings):
    settings.SMS_BACKEND = "smsaero"
    ensure_sms_deliverable(RU_MOBILE)
    with pytest.raises(UndeliverablePhone):
        ensure_sms_deliverable(RU_FIXED_LINE)


def test_the_browser_form_refuses_the_number_too(client, db):
    response = client.post("/", {"phone": RU_TOLL_FREE})
    assert response.status_code == 200
    assert "A login code cannot be sent to this number." in response.content.decode()
    assert_nothing_happened()
