from datetime import timedelta

import pytest
from django.utils import timezone

from auth_phone.models import LoginCode, Session
from profiles.models import User
from tests.phones import phone_number, spelled

PHONE = phone_number()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10000:04d}"


def login(api, code, phone=PHONE, field="password"):
    return api.post("/users/login/", {"phone": phone, field: code}, format="json")


def test_right_code_gives_tokens_and_is_consumed(api, request_code):
    code = request_code(PHONE)
    response = login(api, code)
    assert response.status_code == 200
    body = response.json()
    user = User.objects.get(phone=PHONE)
    assert body["user_id"] == user.pk
    assert body["access"] and body["refresh"]
    assert LoginCode.objects.get().used_at is not None
    assert user.phone_verified_at is not None
    # The access token opens authenticated endpoints.
    from rest_framework_simplejwt.authentication import JWTAuthentication

    validated = JWTAuthentication().get_validated_token(body["access"].encode())
    assert str(validated["user_id"]) == str(user.pk)


def test_code_field_is_an_alias_of_password(api, request_code):
    code = request_code(PHONE)
    assert login(api, code, field="code").status_code == 200


def test_any_spelling_of_the_phone_logs_in(api, request_code):
    code = request_code(PHONE)
    assert login(api, code, phone=spelled(phone_number(), "8 (###) ###-##-##")).status_code == 200


def test_a_code_works_once(api, request_code):
    code = request_code(PHONE)
    assert login(api, code).status_code == 200
    again = login(api, code)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_code"
    assert Session.objects.count() == 1


def test_wrong_code_is_counted_and_nothing_else_happens(api, request_code):
    code = request_code(PHONE)
    response = login(api, wrong(code))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid or expired code. Check it, or request a new code.",
        "code": "invalid_code",
    }
    login_code = LoginCode.objects.get()
    assert login_code.attempts == 1 and login_code.used_at is None
    assert not Session.objects.exists()
    assert User.objects.get().phone_verified_at is None


def test_code_dies_after_five_wrong_tries(api, request_code):
    code = request_code(PHONE)
    details = [login(api, wrong(code)).json()["detail"] for _ in range(5)]
    assert details[-1] == "Invalid or expired code. Check it, or request a new code."
    response = login(api, code)  # the right code no longer works
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Invalid or expired code. Check it, or request a new code."
    )
    assert LoginCode.objects.get().attempts == 5
    assert LoginCode.objects.get().used_at is None
    assert not Session.objects.exists()


def test_a_new_code_after_death_works(api, request_code, settings):
    settings.RATE_LIMITS_ENABLED = False
    code = request_code(PHONE)
    for _ in range(5):
        login(api, wrong(code))
    fresh = request_code(PHONE)
    assert login(api, fresh).status_code == 200


def test_expired_code_is_refused(api, request_code):
    code = request_code(PHONE)
    LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = login(api, code)
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid or expired code. Check it, or request a new code."
    assert LoginCode.objects.get().used_at is None
    assert not Session.objects.exists()


def test_replaced_code_no_longer_works(api, request_code, settings):
    settings.RATE_LIMITS_ENABLED = False
    old = request_code(PHONE)
    new = request_code(PHONE)
    if old != new:
        assert login(api, old).status_code == 400
    assert login(api, new).status_code == 200


def test_unknown_phone_gets_the_same_answer_as_no_code(api):
    response = login(api, "1234")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid or expired code. Check it, or request a new code."
    assert not User.objects.exists()


def test_code_before_the_worker_generated_it_is_refused(api, monkeypatch):
    from auth_phone.tasks import deliver_login_code

    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: None)
    api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert LoginCode.objects.get().code_hash == ""
    response = login(api, "0000")
    assert response.status_code == 400
    assert LoginCode.objects.get().attempts == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"phone": PHONE}, "password"),
        ({"phone": PHONE, "password": "12a4"}, "password"),
        ({"phone": PHONE, "password": "12345"}, "password"),
        ({"phone": PHONE, "code": True}, "code"),
        ({"phone": PHONE, "code": 12.5}, "code"),
        ({"phone": PHONE, "password": ["1234"]}, "password"),
        ({"password": "1234"}, "phone"),
        ({"phone": "abc", "password": "1234"}, "phone"),
    ],
)
def test_malformed_login_is_a_field_error_and_costs_no_attempt(api, request_code, payload, field):
    request_code(PHONE)
    response = api.post("/users/login/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert LoginCode.objects.get().attempts == 0


def test_refresh_rotates_and_blacklists_the_old_token(api, request_code):
    tokens = login(api, request_code(PHONE)).json()
    response = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["access"] and rotated["refresh"] != tokens["refresh"]
    reused = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert reused.status_code == 401


def test_logout_ends_the_session(api, request_code):
    tokens = login(api, request_code(PHONE)).json()
    response = api.post("/users/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out."}
    assert Session.objects.get().revoked_at is not None
    after = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert after.status_code == 401


@pytest.mark.parametrize("refresh", ["garbage", ""])
def test_logout_with_a_bad_token_is_refused(api, refresh):
    response = api.post("/users/logout/", {"refresh": refresh}, format="json")
    assert response.status_code in (400, 401)
    assert response.json()
    assert not Session.objects.filter(revoked_at__isnull=False).exists()


def test_token_lifetimes_follow_the_spec(settings):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] == timedelta(days=7)
