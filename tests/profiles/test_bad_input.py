"""Bad input of every kind answers 4xx with a message, and changes nothing."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from auth_phone.tokens import AccessToken, RefreshToken
from tests.conftest import snapshot
from tests.phones import phone_number

UPDATE = "/users/update/me/"


def raw(client, method: str, body: bytes, content_type="application/json"):
    return getattr(client, method)(UPDATE, body, content_type=content_type)


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("body", [b"{", b'{"first_name": }', b"\xff\xfe", b"[1, 2"])
def test_malformed_json_answers_400(user, auth_api, method, body):
    before = snapshot(user)
    response = raw(auth_api, method, body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert snapshot(user) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "Invalid data. Expected a dictionary, but got list."),
        (b'"text"', "Invalid data. Expected a dictionary, but got str."),
        (b"42", "Invalid data. Expected a dictionary, but got int."),
        (b"null", "No data provided"),
    ],
)
def test_a_json_body_that_is_not_an_object_answers_400(user, auth_api, body, message):
    before = snapshot(user)
    response = raw(auth_api, "patch", body)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}
    assert snapshot(user) == before


def test_an_unsupported_content_type_answers_415(user, auth_api):
    before = snapshot(user)
    response = raw(auth_api, "patch", b"first_name=Anna", content_type="text/plain")
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    assert snapshot(user) == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"first_name": 5}, "first_name", "Not a valid string."),
        ({"last_name": ["Anna"]}, "last_name", "Not a valid string."),
        ({"first_name": {"a": 1}}, "first_name", "Not a valid string."),
        ({"first_name": True}, "first_name", "Not a valid string."),
        ({"user_referral": 123456}, "user_referral", "Not a valid string."),
        ({"user_referral": ["ABCDEF"]}, "user_referral", "Not a valid string."),
        ({"email": 5}, "email", "Enter a valid email address."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"phone": [phone_number(1111112, code=111)]}, "phone", "Not a valid string."),
        ({"avatar": 5}, "avatar", None),  # DRF's "not a file" message
    ],
)
def test_wrong_types_and_values_answer_400_on_the_field(user, auth_api, payload, field, message):
    before = snapshot(user)
    response = auth_api.patch(UPDATE, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field] and len(body[field]) == 1
    if message is not None:
        assert body[field] == [message]
    assert snapshot(user) == before


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("first_name", 150, "Ensure this field has no more than 150 characters."),
        ("last_name", 150, "Ensure this field has no more than 150 characters."),
        ("phone", 32, "A phone number has at most 32 characters."),
    ],
)
def test_overlong_strings_answer_400(user, auth_api, field, limit, message):
    before = snapshot(user)
    response = auth_api.patch(UPDATE, {field: "x" * (limit + 1)}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert snapshot(user) == before


def test_longest_names_are_accepted(user, auth_api):
    response = auth_api.patch(UPDATE, {"first_name": "я" * 150}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "я" * 150


def test_overlong_email_and_code_answer_400(user, auth_api):
    before = snapshot(user)
    email = "a" * 250 + "@example.com"
    response = auth_api.patch(
        UPDATE, {"email": email, "user_referral": "A" * 10_000}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "user_referral", "code"}
    assert response.json()["code"] == "invite_code_invalid"  # the one domain rule among them
    assert snapshot(user) == before


def test_several_bad_fields_are_all_reported(user, auth_api):
    payload = {
        "first_name": 1,
        "email": "x",
        "user_referral": "??",
        "phone": phone_number(1111119, code=111),
    }
    response = auth_api.patch(UPDATE, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"first_name", "email", "user_referral", "code"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users/me/"),
        ("get", "/users/me/referrals/"),
        ("patch", UPDATE),
        ("put", UPDATE),
        ("delete", "/users/delete/me/"),
    ],
)
def test_an_expired_token_answers_401(user, method, path):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = snapshot(user)

    response = getattr(client, method)(path, {"first_name": "X"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["messages"][0]["message"] == "Token is expired"
    assert snapshot(user) == before


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer not.a.token", "Bearer a b", "Token abc", "Basic dXNlcjpwYXNz"]
)
def test_a_malformed_or_foreign_authorization_answers_401(user, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/users/me/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_refresh_token_is_not_an_access_token(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user)}")
    response = client.get("/users/me/")
    assert response.status_code == 401
