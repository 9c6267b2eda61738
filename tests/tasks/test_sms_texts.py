"""The SMS texts: the user's language, one segment in its encoding, the autofill lines."""

from __future__ import annotations

import re

import pytest

from auth_phone.models import LoginCode
from auth_phone.services.delivery import render_text
from tasks import sms
from tasks.models import SmsDelivery
from tasks.segments import GSM7, UCS2, count_segments
from tasks.sms import LocmemSender, sms_language
from tests.phones import BY_MOBILE, GB_MOBILE, KG_MOBILE, KZ_MOBILE, RU_UNASSIGNED, phone_number

RU_PHONE = phone_number()
DOMAIN = "referral.example.com"  # the documented example (docs/sms.md)
APP_HASH = "FA+9qCX9VSu"


def only_sms(phone: str) -> str:
    (message,) = [m["text"] for m in LocmemSender.outbox if m["phone"] == phone]
    return message


def test_segments_count_gsm7_extension_characters_twice_and_cyrillic_as_ucs2():
    assert (count_segments("a" * 160).encoding, count_segments("a" * 160).count) == (GSM7, 1)
    assert count_segments("a" * 161).count == 2 and count_segments("a" * 306).count == 2
    assert count_segments("a" * 307).count == 3
    assert count_segments("€" * 80).units == 160 and count_segments("€" * 81).count == 2
    assert count_segments("{}[]~|^\\").units == 16
    assert count_segments("ж" * 70).encoding == UCS2 and count_segments("ж" * 70).count == 1
    assert count_segments("ж" * 71).count == 2 and count_segments("ж" * 134).count == 2
    assert count_segments("Code 1234 ж").encoding == UCS2  # one Cyrillic letter is enough
    assert count_segments("😀" * 35).units == 70  # beyond the BMP: two UTF-16 units
    assert count_segments("").count == 0


LANGUAGES = ["en", "ru"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("purpose", LoginCode.Purpose.values)
@pytest.mark.parametrize("autofill", ["none", "webotp", "hash", "both"])
def test_every_code_text_fits_one_segment_with_the_longest_code(
    settings, language, purpose, autofill
):
    settings.LOGIN_CODE_LENGTH = 8
    settings.LOGIN_CODE_TTL = 5940  # 99 minutes: the longest the texts are checked for
    settings.SMS_WEBOTP_DOMAIN = DOMAIN if autofill in ("webotp", "both") else ""
    settings.SMS_ANDROID_APP_HASH = APP_HASH if autofill in ("hash", "both") else ""
    text = render_text("12345678", purpose, language)
    segments = count_segments(text)
    assert segments.count == 1, (text, segments)
    assert "12345678" in text.splitlines()[0]
    if language == "ru":
        assert segments.encoding == UCS2 and segments.units <= 70
    else:
        assert segments.encoding == GSM7 and segments.units <= 160
    if autofill == "none":  # nothing to make room for: the full text, with its warning
        assert ("Do not share it" in text) or ("Никому не сообщайте" in text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("notice", sorted(sms.NOTICES))
def test_every_notice_fits_one_segment(language, notice):
    text = sms.render_notice(notice, language)
    assert count_segments(text).count == 1
    assert (count_segments(text).encoding == UCS2) == (language == "ru")


def test_a_russian_number_gets_a_cyrillic_text_within_70_characters(api):
    assert api.post("/auth/sms/", {"phone": RU_PHONE}, format="json").status_code == 201
    text = only_sms(RU_PHONE)
    assert text.startswith("Код для входа: ")
    assert count_segments(text).encoding == UCS2 and len(text) <= 70
    delivery = SmsDelivery.objects.get()
    assert delivery.language == "ru" and delivery.segments == 1


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9,ru;q=0.8", "de-DE, en;q=0.5"])
def test_an_english_request_gets_the_english_text(api, header):
    response = api.post(
        "/auth/sms/", {"phone": RU_PHONE}, format="json", HTTP_ACCEPT_LANGUAGE=header
    )
    assert response.status_code == 201
    text = only_sms(RU_PHONE)
    assert re.fullmatch(r"Your login code: \d{4}\. It expires in 5 min\. Do not share it\.", text)
    assert SmsDelivery.objects.get().language == "en"


def test_the_ui_language_wins_over_accept_language(api, settings):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    api.post("/auth/sms/", {"phone": RU_PHONE}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert only_sms(RU_PHONE).startswith("Your login code: ")


@pytest.mark.parametrize(
    ("phone", "requested", "language"),
    [
        (phone_number(), None, "ru"),
        (RU_UNASSIGNED, None, "ru"),  # only "possible": +7's main country decides
        (BY_MOBILE, "de", "ru"),  # Belarus; German is not a language the service has
        (KZ_MOBILE, None, "ru"),  # Kazakhstan
        (KG_MOBILE, None, "ru"),  # Kyrgyzstan
        (GB_MOBILE, None, "en"),
        (GB_MOBILE, "ru-RU", "ru"),
        (phone_number(), "en-GB", "en"),
    ],
)
def test_the_language_is_the_asked_one_when_the_service_has_it_else_the_countrys(
    phone, requested, language
):
    assert sms_language(phone=phone, requested=requested) == language


@pytest.mark.parametrize(
    ("phone", "language"),
    [
        (KZ_MOBILE, "kk"),
        (phone_number(), "ru"),
        (RU_UNASSIGNED, "ru"),  # no region of its own: +7's main country
        ("+71", "en"),  # too short to parse: LANGUAGE_CODE
        (BY_MOBILE, "de"),
        (GB_MOBILE, "en"),  # no country of +44 in the table: LANGUAGE_CODE
    ],
)
def test_countries_of_one_calling_code_with_different_languages_are_told_apart(
    monkeypatch, settings, phone, language
):
    """Read off the digits where every country of a calling code speaks one language; where
    they differ (not so in today's table), the number's country decides."""
    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr(sms, "COUNTRY_LANGUAGES", {"RU": "ru", "KZ": "kk", "BY": "de"})
    sms._calling_code_languages.cache_clear()
    try:
        assert sms._calling_code_languages() == {7: None, 375: "de"}
        assert sms_language(phone=phone) == language
    finally:
        sms._calling_code_languages.cache_clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_webotp_line_ends_the_message_with_the_right_code(api, settings, language):
    settings.SMS_WEBOTP_DOMAIN = DOMAIN
    settings.SMS_ANDROID_APP_HASH = APP_HASH
    api.post("/auth/sms/", {"phone": RU_PHONE}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    text = only_sms(RU_PHONE)
    *body, app_hash, last = text.split("\n")
    code = re.search(r"#(\d{4})$", last).group(1)
    assert last == f"@{DOMAIN} #{code}" and app_hash == APP_HASH
    assert code in body[0] and count_segments(text).count == 1
    login = api.post("/users/login/", {"phone": RU_PHONE, "password": code}, format="json")
    assert login.status_code == 200


def test_the_app_hash_alone_ends_the_message(api, settings):
    settings.SMS_ANDROID_APP_HASH = APP_HASH
    api.post("/auth/sms/", {"phone": RU_PHONE}, format="json")
    assert only_sms(RU_PHONE).endswith("\n" + APP_HASH)


def test_without_autofill_settings_no_autofill_line_is_added(api):
    api.post("/auth/sms/", {"phone": RU_PHONE}, format="json")
    assert "\n" not in only_sms(RU_PHONE)


def test_a_delivery_of_the_previous_release_is_sent_in_the_numbers_language(api):
    """Rows queued before the language was recorded carry none: the worker decides."""
    from auth_phone.tasks import deliver_login_code

    api.post("/auth/sms/", {"phone": RU_PHONE}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    delivery = SmsDelivery.objects.get()
    LoginCode.objects.update(code_hash="")
    SmsDelivery.objects.update(language="", status=SmsDelivery.Status.QUEUED)
    LocmemSender.outbox.clear()
    assert deliver_login_code.apply(args=(delivery.pk,)).get() == "sent"
    assert only_sms(RU_PHONE).startswith("Код для входа: ")
