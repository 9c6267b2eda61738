"""Refused refresh tokens answer 401 on logout and refresh, never 403 or 500."""

import pytest

from auth_phone.models import Session
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import RefreshToken
from profiles.models import User
from profiles.services.users import create_user
from tests.phones import EXAMPLE_IN_ERRORS, phone_number

PHONE = phone_number()


def test_logout_with_an_invalid_token_answers_401(api):
    response = api.post("/users/logout/", {"refresh": "not-a-token"}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is invalid or expired.", "code": "token_not_valid"}


def test_second_logout_answers_401_blacklisted(api):
    tokens = issue_tokens(user=create_user(phone=PHONE))
    assert api.post("/users/logout/", {"refresh": tokens["refresh"]}, format="json").json() == {
        "detail": "Logged out."
    }
    response = api.post("/users/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is invalid or expired.", "code": "token_not_valid"}
    assert Session.objects.get().revoked_at is not None


def test_refresh_with_the_token_of_a_deleted_user_answers_401(api):
    """The sessions go with the account: its refresh tokens are refused as any token of
    an ended session (the answer DELETE /users/delete/<pk>/ documents)."""
    user = create_user(phone=PHONE)
    tokens = issue_tokens(user=user)
    User.objects.filter(pk=user.pk).delete()
    response = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert not Session.objects.exists()


def test_refresh_for_a_deactivated_account_answers_401_and_rotates_nothing(api):
    user = create_user(phone=PHONE)
    tokens = issue_tokens(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "No active account found for the given token.",
        "code": "no_active_account",
    }
    session = Session.objects.get()  # the token is still the current one, unused
    assert session.current_jti == RefreshToken(tokens["refresh"])["jti"]
    assert session.revoked_at is None and session.last_used_at is None


def test_refresh_rotates_and_the_old_token_then_answers_401(api):
    tokens = issue_tokens(user=create_user(phone=PHONE))
    response = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"} and body["refresh"] != tokens["refresh"]
    again = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401
    assert again.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


@pytest.mark.parametrize("url", ["/users/logout/", "/users/token/refresh/"])
def test_a_blank_looking_token_is_an_invalid_token_not_a_missing_field(api, url):
    response = api.post(url, {"refresh": "\f"}, format="json")
    assert response.status_code == 401
    assert not Session.objects.exists()


@pytest.mark.parametrize("url", ["/users/logout/", "/users/token/refresh/"])
def test_an_overlong_token_answers_400(api, url):
    response = api.post(url, {"refresh": "a" * 2049}, format="json")
    assert response.status_code == 400
    assert response.json() == {"refresh": ["Ensure this field has no more than 2048 characters."]}


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/users/logout/", "refresh", "Null characters are not allowed."),
        ("/users/token/refresh/", "refresh", "Null characters are not allowed."),
        ("/auth/sms/", "phone", f"Enter a valid phone number, e.g. {EXAMPLE_IN_ERRORS}."),
    ],
)
def test_a_nul_character_answers_400(api, url, field, message):
    response = api.post(url, {field: "+7911\x001234567"}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not User.objects.exists() and not Session.objects.exists()
