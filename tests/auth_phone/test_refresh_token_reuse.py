"""Refresh-token reuse (RFC 9700, section 4.14.2), against the real PostgreSQL: of
concurrent refreshes of one token exactly one succeeds, and a rotated-out token that
comes back revokes every token of its login, the live successor included."""

from rest_framework.test import APIClient

from auth_phone.models import Session
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import RefreshToken
from profiles.services.users import create_user, delete_user
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number()
BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}
LOGOUT_REFUSED = {"detail": "Token is invalid or expired.", "code": "token_not_valid"}


def refresh(client, token):
    return client.post("/users/token/refresh/", {"refresh": token}, format="json")


def test_a_reused_token_revokes_its_live_successor(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    reused = refresh(api, first)
    assert reused.status_code == 401 and reused.json() == BLACKLISTED
    successor = refresh(api, second)
    assert successor.status_code == 401 and successor.json() == BLACKLISTED
    session = Session.objects.get()
    assert session.revoked_at is not None
    # Nothing new was issued after the reuse: the session still names the second token.
    assert session.current_jti == RefreshToken(second)["jti"]


def test_the_chain_is_revoked_however_far_it_went(api):
    tokens = [issue_tokens(user=create_user(phone=PHONE))["refresh"]]
    for _ in range(3):
        tokens.append(refresh(api, tokens[-1]).json()["refresh"])
    assert refresh(api, tokens[1]).status_code == 401
    assert refresh(api, tokens[-1]).status_code == 401


def test_a_reuse_leaves_the_users_other_logins_alone(api):
    user = create_user(phone=PHONE)
    phone_login, laptop_login = issue_tokens(user=user), issue_tokens(user=user)
    refresh(api, phone_login["refresh"])
    assert refresh(api, phone_login["refresh"]).status_code == 401
    assert refresh(api, laptop_login["refresh"]).status_code == 200


def test_of_concurrent_refreshes_of_one_token_exactly_one_succeeds(transactional_db):
    token = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    responses = run_in_threads(lambda i: refresh(APIClient(), token), 8)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * 7, statuses
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    # One new token was issued, and the losers were reuses: its session is revoked.
    session = Session.objects.get()
    assert session.current_jti == RefreshToken(winner["refresh"])["jti"]
    assert session.revoked_at is not None
    assert refresh(APIClient(), winner["refresh"]).status_code == 401


def test_a_token_from_before_families_rotates_into_a_session_and_its_reuse_counts(api):
    user = create_user(phone=PHONE)
    legacy = str(RefreshToken.for_user(user))
    successor = refresh(api, legacy).json()["refresh"]
    assert RefreshToken(successor)["fam"] == str(Session.objects.get().pk)
    assert refresh(api, legacy).status_code == 401
    assert refresh(api, successor).status_code == 401


def test_logout_ends_the_session_and_a_reuse_at_logout_counts_too(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    response = api.post("/users/logout/", {"refresh": first}, format="json")
    assert response.status_code == 401
    assert refresh(api, second).status_code == 401

    other = issue_tokens(user=create_user(phone=phone_number(1234568)))["refresh"]
    assert api.post("/users/logout/", {"refresh": other}, format="json").status_code == 200
    assert refresh(api, other).json() == BLACKLISTED


def test_logout_with_the_token_of_a_revoked_session_answers_401(api):
    """The successor of a reused token never was rotated out, but its session was ended:
    logout refuses it as refresh does, and ends nothing further."""
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    refresh(api, first)  # a reuse: the session is revoked
    revoked_at = Session.objects.get().revoked_at
    response = api.post("/users/logout/", {"refresh": second}, format="json")
    assert response.status_code == 401 and response.json() == LOGOUT_REFUSED
    assert Session.objects.get().revoked_at == revoked_at


def test_logout_with_a_token_of_no_session_answers_401(api):
    token = RefreshToken.for_user(create_user(phone=PHONE))
    token["fam"] = "6f1d2a56-4c1e-4f57-a0f4-2f3b4c5d6e7f"  # signed, but no such session
    response = api.post("/users/logout/", {"refresh": str(token)}, format="json")
    assert response.status_code == 401 and response.json() == LOGOUT_REFUSED
    assert refresh(api, str(token)).json() == BLACKLISTED
    assert not Session.objects.exists()


def test_logout_of_a_token_from_before_families_ends_its_session_once(api):
    legacy = str(RefreshToken.for_user(create_user(phone=PHONE)))
    assert api.post("/users/logout/", {"refresh": legacy}, format="json").status_code == 200
    assert Session.objects.get().revoked_at is not None
    again = api.post("/users/logout/", {"refresh": legacy}, format="json")
    assert again.status_code == 401 and again.json() == LOGOUT_REFUSED
    assert refresh(api, legacy).json() == BLACKLISTED


def test_deleting_the_account_removes_its_sessions(api):
    user = create_user(phone=PHONE)
    token = issue_tokens(user=user)["refresh"]
    delete_user(user=user)
    assert not Session.objects.exists()
    assert refresh(api, token).json() == BLACKLISTED


def test_operators_see_revoked_sessions_read_only_and_no_token(api, admin_client):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    refresh(api, first)  # a reuse
    session = Session.objects.get()
    listing = admin_client.get("/admin/auth_phone/session/?revoked_at__isnull=False")
    assert listing.status_code == 200
    assert str(session.pk) in listing.content.decode() and PHONE in listing.content.decode()
    change = f"/admin/auth_phone/session/{session.pk}/change/"
    page = admin_client.get(change).content.decode()
    assert session.current_jti not in page and second not in page
    assert admin_client.post(change, {"revoked_at": ""}).status_code == 403
    session.refresh_from_db()
    assert session.revoked_at is not None


def test_a_session_expires_with_its_current_token(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    session = Session.objects.get()
    assert session.expires_at.timestamp() == RefreshToken(first)["exp"]
    assert session.last_used_at is None
    second = refresh(api, first).json()["refresh"]
    session.refresh_from_db()
    assert session.expires_at.timestamp() == RefreshToken(second)["exp"]
    assert session.last_used_at is not None
    # A reuse revokes the session and leaves its expiry where the current token put it.
    assert refresh(api, first).status_code == 401
    session.refresh_from_db()
    assert session.revoked_at is not None
    assert session.expires_at.timestamp() == RefreshToken(second)["exp"]


def test_no_refresh_token_is_stored(api):
    """Only the id of the current token is kept: a token is its signature, and no
    column holds one."""
    tokens = issue_tokens(user=create_user(phone=PHONE), ip="203.0.113.9", user_agent="app/1")
    second = refresh(api, tokens["refresh"]).json()["refresh"]
    row = Session.objects.values().get()
    assert row["created_ip"] == "203.0.113.9" and row["user_agent"] == "app/1"
    stored = " ".join(str(value) for value in row.values())
    for token in (tokens["refresh"], second):
        assert token not in stored and token.split(".")[2] not in stored
