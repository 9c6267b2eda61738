"""Every error has a stable `code` and is worded in the language of the request that
shows it: the API and the browser UI answer in English or Russian by `Accept-Language`,
never a mix of both."""

import importlib
import importlib.util
import re

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from auth_phone.errors import InvalidCode
from core import ratelimit
from core.errors import DomainError, RateLimited, SmsBudgetExhausted, SmsRouteSuspended
from core.phones import InvalidPhone, normalize_phone
from profiles.errors import (
    AvatarPixelsOverGuard,
    AvatarTooLarge,
    AvatarTooManyPixels,
    InviteCodeNotFound,
)
from tests.conftest import last_code
from tests.phones import AS_JSON_NUMBER, EXAMPLE_IN_ERRORS, phone_number

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# A Latin word in a Russian text, other than names of formats and units.
LATIN_WORD = re.compile(r"\b(?!(?:JPEG|PNG|WebP|GIF|MiB|KiB|SMS|UUID|JSON)\b)[A-Za-z]{3,}\b")
CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")
PHONE = phone_number()
CODE_REQUEST = ("code.cooldown", "code.phone", "code.phone.all", "code.address")
LOGIN = ("login.address", "login.phone")
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# Errors built with a value (most carry it in their message).
WITH_VALUES = {
    InvalidCode: lambda: InvalidCode(InvalidCode.WRONG),
    InviteCodeNotFound: lambda: InviteCodeNotFound("ZZ9ZZ9"),
    AvatarTooLarge: lambda: AvatarTooLarge(limit="2 MiB"),
    AvatarTooManyPixels: lambda: AvatarTooManyPixels(limit="16,777,216", width=8000, height=6000),
    AvatarPixelsOverGuard: lambda: AvatarPixelsOverGuard(limit="16,777,216"),
    SmsBudgetExhausted: lambda: SmsBudgetExhausted(1260),
    SmsRouteSuspended: lambda: SmsRouteSuspended(2940, calling_code=7),
    RateLimited: lambda: RateLimited(5, _("Too many codes requested for this number.")),
}


def domain_error_classes() -> list[type[DomainError]]:
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.errors") is not None:
            importlib.import_module(f"{app.name}.errors")
    importlib.import_module("tasks.selectors")  # TaskNotFound
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def make(cls: type[DomainError]) -> DomainError:
    return WITH_VALUES.get(cls, cls)()


@pytest.mark.parametrize("cls", domain_error_classes(), ids=lambda cls: cls.__name__)
def test_every_domain_error_has_a_code_and_a_russian_wording(cls):
    assert CODE.match(cls.code), cls.code
    exc = make(cls)
    with translation.override("ru"):
        russian = exc.text
    with translation.override("en"):
        english = exc.text
    assert CYRILLIC.search(russian) and not LATIN_WORD.search(russian), russian
    assert not CYRILLIC.search(english), english
    assert exc.as_body()["code"] == cls.code


def test_codes_name_one_rule_each():
    """Distinct rules have distinct codes; only a subclass that words the same rule
    differently (the last wrong attempt) shares its parent's."""
    by_code: dict[str, list[str]] = {}
    for cls in domain_error_classes():
        if cls.code not in {base.code for base in cls.__mro__[1:] if hasattr(base, "code")}:
            by_code.setdefault(cls.code, []).append(cls.__name__)
    assert all(len(names) == 1 for names in by_code.values()), by_code
    assert set(by_code) == DomainError.codes


def test_an_error_is_worded_when_shown_not_when_raised():
    with translation.override("en"):
        exc = InviteCodeNotFound("ZZ9ZZ9")
    with translation.override("ru"):
        assert exc.as_body() == {
            "user_referral": ["Инвайт-кода ZZ9ZZ9 не существует."],
            "code": "invite_not_found",
        }
        assert str(exc) == "Инвайт-кода ZZ9ZZ9 не существует."


@pytest.mark.parametrize(
    ("exc", "english", "russian"),
    [
        (
            InvalidCode(InvalidCode.WRONG),
            "Invalid or expired code. Check it, or request a new code.",
            "Неверный или просроченный код. Проверьте его или запросите новый.",
        ),
        (
            AvatarTooLarge(limit="2 MiB"),
            "The image is too large: the limit is 2 MiB.",
            "Изображение слишком большое: предел — 2 MiB.",
        ),
        (
            RateLimited(1, _("Too many wrong codes for this number.")),
            "Too many wrong codes for this number. Try again in 1 seconds.",
            "Слишком много неверных кодов для этого номера. Повторите через 1 секунду.",
        ),
    ],
)
def test_values_are_filled_in_the_words_of_each_language(exc, english, russian):
    with translation.override("en"):
        assert exc.text == english
    with translation.override("ru"):
        assert exc.text == russian


def test_phone_parsing_errors_are_worded_in_each_language():
    for raw in ("", "x" * 40, "12-34"):
        with pytest.raises(InvalidPhone) as caught:
            normalize_phone(raw)
        with translation.override("ru"):
            assert CYRILLIC.search(str(caught.value)), raw
        with translation.override("en"):
            assert not CYRILLIC.search(str(caught.value)), raw
    with translation.override("en"):
        assert str(caught.value) == f"Enter a valid phone number, e.g. {EXAMPLE_IN_ERRORS}."


def rate_limit_errors(settings) -> list[RateLimited]:
    """One of each RateLimited that the code request and login limits raise."""
    settings.SMS_PHONE_HOURLY_LIMIT = 1
    settings.SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS = 1
    settings.SMS_IP_HOURLY_LIMIT = 1
    settings.LOGIN_FAILURES_HOURLY_LIMIT = 1
    errors = []
    for phone, ip in ((phone_number(1), "10.0.0.1"), (phone_number(1), "10.0.0.1")):
        try:
            ratelimit.reserve(*CODE_REQUEST, phone=phone, net=ip)
        except RateLimited as exc:
            errors.append(exc)  # the cooldown
    ratelimit.cache.delete(f"rl:sms:cooldown:{phone_number(1)}")
    for phone, ip in ((phone_number(1), "10.0.0.2"), (phone_number(2), "10.0.0.1")):
        try:
            ratelimit.reserve(*CODE_REQUEST, phone=phone, net=ip)
        except RateLimited as exc:
            errors.append(exc)  # per phone, then per address
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    ratelimit.reserve(*LOGIN, phone=phone_number(1), net="10.0.0.1")
    for phone, ip in ((phone_number(1), "10.0.0.2"), (phone_number(2), "10.0.0.1")):
        try:
            ratelimit.reserve(*LOGIN, phone=phone, net=ip)
        except RateLimited as exc:
            errors.append(exc)  # per phone, then per address
    return errors


def test_every_rate_limit_is_worded_in_each_language_with_its_wait(settings):
    errors = rate_limit_errors(settings)
    with translation.override("en"):
        reasons = {exc.text.split(" Try again")[0] for exc in errors}
    assert reasons == {
        "A code was sent to this number moments ago.",
        "Too many codes requested for this number.",
        "Too many codes requested from your address.",
        "Too many wrong codes for this number.",
        "Too many failed logins from your address.",
    }
    for exc in errors:
        with translation.override("en"):
            assert exc.text.endswith(f" Try again in {exc.retry_after} seconds.")
        with translation.override("ru"):
            text = exc.text
        assert not LATIN_WORD.search(text) and CYRILLIC.search(text), text
        assert re.search(rf"Повторите через {exc.retry_after} секунд[уы]?\.$", text), text
        assert exc.as_body()["code"] == "rate_limited"


def messages_of(body) -> list[str]:
    """Every human-readable string of an error body (not the `code`)."""
    if isinstance(body, dict):
        return [m for key, value in body.items() if key != "code" for m in messages_of(value)]
    if isinstance(body, list):
        return [m for item in body for m in messages_of(item)]
    return [body]


def assert_all_russian(body) -> None:
    texts = messages_of(body)
    assert texts, body
    for text in texts:
        assert CYRILLIC.search(text) and not LATIN_WORD.search(text), body


def assert_all_english(body) -> None:
    texts = messages_of(body)
    assert texts, body
    for text in texts:
        assert not CYRILLIC.search(text), body


def test_api_domain_errors_follow_accept_language(api, request_code):
    request_code(PHONE)
    ru = api.post("/users/login/", {"phone": PHONE, "password": "0000"}, format="json", **RU)
    en = api.post("/users/login/", {"phone": PHONE, "password": "0000"}, format="json", **EN)
    assert ru.status_code == en.status_code == 400
    assert ru.json() == {
        "detail": "Неверный или просроченный код. Проверьте его или запросите новый.",
        "code": "invalid_code",
    }
    assert en.json() == {
        "detail": "Invalid or expired code. Check it, or request a new code.",
        "code": "invalid_code",
    }
    assert ru["Content-Language"] == "ru" and en["Content-Language"] == "en"


def test_api_validation_errors_follow_accept_language(api):
    for payload in ({}, {"phone": "12-34"}, {"phone": AS_JSON_NUMBER}, {"phone": "x" * 40}):
        ru = api.post("/users/login/", payload, format="json", **RU)
        en = api.post("/users/login/", payload, format="json", **EN)
        assert ru.status_code == en.status_code == 400
        assert set(ru.json()) == set(en.json())
        assert_all_russian(ru.json())
        assert_all_english(en.json())
    bad_code = api.post("/users/login/", {"phone": PHONE, "code": "12"}, format="json", **RU)
    assert bad_code.json() == {"code": ["Код состоит из 4 цифр."]}


@pytest.mark.parametrize(
    ("method", "path", "payload", "code"),
    [
        ("post", "/users/token/refresh/", {"refresh": "x"}, "token_not_valid"),
        ("post", "/users/logout/", {"refresh": "x"}, "token_not_valid"),
        ("get", "/users/me/", None, "not_authenticated"),
        ("get", "/tasks/not-a-uuid/", None, None),
    ],
)
def test_api_framework_errors_follow_accept_language(api, method, path, payload, code):
    ru = getattr(api, method)(path, payload, format="json", **RU)
    en = getattr(api, method)(path, payload, format="json", **EN)
    assert ru.status_code == en.status_code >= 400
    assert ru.json().get("code") == en.json().get("code") == code
    assert_all_russian(ru.json())
    assert_all_english(en.json())


def test_api_rate_limits_follow_accept_language(api):
    assert api.post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
    ru = api.post("/auth/sms/", {"phone": PHONE}, format="json", **RU)
    en = api.post("/auth/sms/", {"phone": PHONE}, format="json", **EN)
    assert ru.status_code == en.status_code == 429
    assert ru.json()["code"] == en.json()["code"] == "rate_limited"
    assert_all_russian(ru.json())
    assert en.json()["detail"].startswith("A code was sent to this number moments ago. Try again")


def test_api_field_rules_follow_accept_language(db):
    from profiles.services.users import create_user
    from tests.conftest import client_for

    auth_api = client_for(create_user(phone=PHONE))
    ru = auth_api.patch("/users/update/me/", {"user_referral": "ZZ9ZZ9"}, format="json", **RU)
    assert ru.status_code == 400
    assert ru.json() == {
        "user_referral": ["Инвайт-кода ZZ9ZZ9 не существует."],
        "code": "invite_not_found",
    }
    short = auth_api.patch("/users/update/me/", {"user_referral": "ZZ"}, format="json", **RU)
    assert short.json()["code"] == "invite_code_invalid"
    assert_all_russian(short.json())


def test_the_ui_words_errors_in_the_chosen_language(db, django_capture_on_commit_callbacks):
    client = Client(**RU)
    page = client.post("/", {"phone": "12-34"})
    assert "Введите правильный номер телефона" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/", {"phone": PHONE}).status_code == 302
    last_code(PHONE)
    page = client.post("/login/code/", {"code": "0000"}).content.decode()
    assert "Неверный или просроченный код. Проверьте его или запросите новый." in page
    assert "Invalid or expired code" not in page


@pytest.fixture
def server_error_client(db):
    return Client(raise_request_exception=False)


def test_an_api_path_answers_a_server_error_in_json(server_error_client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("auth_phone.services.codes.request_login_code", broken)
    response = server_error_client.post(
        "/auth/sms/", {"phone": PHONE}, content_type="application/json", **RU
    )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Ошибка сервера.", "code": "server_error"}
    assert "a bug" not in response.content.decode()


def test_a_page_answers_a_server_error_in_html(server_error_client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("auth_phone.services.codes.request_login_code", broken)
    response = server_error_client.post("/", {"phone": PHONE})
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "a bug" not in response.content.decode()


def test_an_unknown_path_is_not_taken_for_the_api(server_error_client):
    from core.errors import _is_api_path

    request = server_error_client.get("/nowhere/").wsgi_request
    assert not _is_api_path(request)
