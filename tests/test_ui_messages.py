"""The browser UI words every domain error in the visitor's language, and in English
exactly as the API does."""

import importlib
import importlib.util
import re

import pytest
from django.apps import apps
from django.utils import translation

from auth_phone import ratelimit
from project.errors import DomainError, RateLimited
from project.phones import InvalidPhone, normalize_phone
from project.ui_messages import MESSAGES, error_text, ui_text

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def domain_error_classes() -> list[type[DomainError]]:
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.errors") is not None:
            importlib.import_module(f"{app.name}.errors")
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def fixed_messages() -> list[str]:
    """The message of every domain error class that has one of its own."""
    return sorted({cls.message for cls in domain_error_classes() if "message" in vars(cls)})


@pytest.mark.parametrize("message", fixed_messages())
def test_every_fixed_domain_message_has_a_russian_wording(message):
    assert message in MESSAGES, f"add {message!r} to project/ui_messages.MESSAGES"
    with translation.override("ru"):
        assert CYRILLIC.search(ui_text(message)), message
    with translation.override("en"):
        assert ui_text(message) == message


def invalid_phone_messages() -> list[str]:
    messages = []
    for raw in ("", "x" * 40, "12-34"):
        with pytest.raises(InvalidPhone) as caught:
            normalize_phone(raw)
        messages.append(str(caught.value))
    return messages


def test_phone_parsing_errors_are_worded_in_russian():
    for message in invalid_phone_messages():
        with translation.override("ru"):
            assert CYRILLIC.search(error_text(InvalidPhone(message))), message
        with translation.override("en"):
            assert error_text(InvalidPhone(message)) == message


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("Invalid code. 1 attempt(s) left.", "Неверный код. Осталась 1 попытка."),
        ("Invalid code. 3 attempt(s) left.", "Неверный код. Осталось 3 попытки."),
        ("A phone number has at most 32 characters.", "В номере телефона не больше 32 символов."),
        ("Object with referral=ZZ9ZZ9 does not exist.", "Инвайт-кода ZZ9ZZ9 не существует."),
        (
            "The image is too large: the limit is 2 MiB.",
            "Изображение слишком большое: предел — 2 MiB.",
        ),
    ],
)
def test_messages_with_a_value_are_worded_in_russian(english, russian):
    with translation.override("ru"):
        assert ui_text(english) == russian
    with translation.override("en"):
        assert ui_text(english) == english


def rate_limit_errors(settings) -> list[RateLimited]:
    """One of each RateLimited that auth_phone.ratelimit raises."""
    settings.SMS_PHONE_HOURLY_LIMIT = 1
    settings.SMS_IP_HOURLY_LIMIT = 1
    settings.LOGIN_FAILURES_HOURLY_LIMIT = 1
    errors = []
    for phone, ip in (("+79110000001", "10.0.0.1"), ("+79110000001", "10.0.0.1")):
        try:
            ratelimit.reserve_code_request(phone=phone, ip=ip)
        except RateLimited as exc:
            errors.append(exc)  # the cooldown
    settings.SMS_RESEND_COOLDOWN = 1
    ratelimit.cache.delete("rl:sms:cooldown:+79110000001")
    for phone, ip in (("+79110000001", "10.0.0.2"), ("+79110000002", "10.0.0.1")):
        try:
            ratelimit.reserve_code_request(phone=phone, ip=ip)
        except RateLimited as exc:
            errors.append(exc)  # per phone, then per address
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    ratelimit.reserve_login(phone="+79110000001", ip="10.0.0.1")
    for phone, ip in (("+79110000001", "10.0.0.2"), ("+79110000002", "10.0.0.1")):
        try:
            ratelimit.reserve_login(phone=phone, ip=ip)
        except RateLimited as exc:
            errors.append(exc)  # per phone, then per address
    return errors


def test_every_rate_limit_is_worded_in_russian_with_its_wait(settings):
    errors = rate_limit_errors(settings)
    reasons = {exc.message.split(" Try again")[0] for exc in errors}
    assert reasons == {
        "A code was sent to this number moments ago.",
        "Too many codes requested for this number.",
        "Too many codes requested from your address.",
        "Too many wrong codes for this number.",
        "Too many failed logins from your address.",
    }
    for exc in errors:
        with translation.override("en"):
            assert error_text(exc) == exc.message
        with translation.override("ru"):
            text = error_text(exc)
        assert "Try again" not in text and CYRILLIC.search(text)
        assert re.search(rf"Повторите через {exc.retry_after} секунд[уы]?\.$", text), text


def test_an_unknown_message_is_shown_as_it_is():
    with translation.override("ru"):
        assert ui_text("Something new happened.") == "Something new happened."


def test_errors_raised_with_a_value_are_worded_in_russian(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from profiles import errors
    from profiles.services import avatars

    settings.AVATAR_MAX_BYTES = 10
    with pytest.raises(errors.AvatarInvalid) as too_large:
        avatars.check_avatar(SimpleUploadedFile("a.png", b"x" * 100))
    for exc in (errors.InviteCodeNotFound("ABC123"), too_large.value):
        with translation.override("en"):
            assert error_text(exc) == exc.message
        with translation.override("ru"):
            assert CYRILLIC.search(error_text(exc)), exc.message
