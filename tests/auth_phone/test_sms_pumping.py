"""SMS pumping: a code goes only to a number that can receive an SMS, in an allowed
country; a refused number answers 400 on `phone` and creates, sends and counts nothing."""

import pytest
from django.core.cache import cache

from auth_phone.models import LoginCode
from core.phones import UndeliverablePhone, ensure_sms_deliverable
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender

NOT_SENT = {
    "phone": ["A login code cannot be sent to this number."],
    "code": "phone_not_deliverable",
}
WRONG_COUNTRY = {
    "phone": ["Login codes are not sent to numbers of this country."],
    "code": "phone_not_deliverable",
}

TOLL_FREE = "+78001234567"  # RU 8-800
PREMIUM_RATE = "+78091234567"  # RU 8-809
INTERNATIONAL_NETWORK = "+88213200000"  # +882
RU_MOBILE = "+79111234567"
RU_FIXED_LINE = "+74951234567"  # Moscow landline
RU_TEST_NUMBER = "+71111111111"  # possible length only: no assigned range
DE_MOBILE = "+4915112345678"
GB_TOLL_FREE = "+448001234567"
GB_SHARED_COST = "+448431234567"
GB_UAN = "+445512345678"
GB_PREMIUM = "+449012345678"
DE_VOICEMAIL = "+49177991234567"  # no voicemail range in RU; Germany has one


def ask(api, phone, ip="10.2.2.2"):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def assert_nothing_happened():
    assert not User.objects.exists()
    assert not LoginCode.objects.exists()
    assert not SmsDelivery.objects.exists()
    assert LocmemSender.outbox == []
    # No rate-limit reservation kept, no budget spent.
    assert cache.keys("rl:*") == [] and cache.keys("sms:budget:*") == []


@pytest.mark.parametrize("phone", [TOLL_FREE, PREMIUM_RATE, INTERNATIONAL_NETWORK])
def test_numbers_fraud_pays_for_are_refused_with_400(api, phone):
    response = ask(api, phone)
    assert response.status_code == 400
    assert response.json() == NOT_SENT
    assert_nothing_happened()


@pytest.mark.parametrize(
    "phone", [GB_TOLL_FREE, GB_SHARED_COST, GB_UAN, GB_PREMIUM, DE_VOICEMAIL, "+88312345678"]
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
        (PREMIUM_RATE, "На этот номер код для входа не отправляется."),
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
    assert ask(api, "+12025550123", ip="10.2.2.3").status_code == 201


def test_the_simulated_senders_keep_the_lenient_rule_for_test_numbers(api, settings):
    assert settings.SMS_BACKEND == "locmem"
    assert ask(api, RU_TEST_NUMBER).status_code == 201
    settings.SMS_BACKEND = "simulated"
    ensure_sms_deliverable(RU_TEST_NUMBER)
    ensure_sms_deliverable(RU_FIXED_LINE)


@pytest.mark.parametrize("phone", [RU_TEST_NUMBER, RU_FIXED_LINE])
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
    response = client.post("/", {"phone": TOLL_FREE})
    assert response.status_code == 200
    assert "A login code cannot be sent to this number." in response.content.decode()
    assert_nothing_happened()
