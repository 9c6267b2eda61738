"""Refresh-token reuse (RFC 9700, section 4.14.2), against the real PostgreSQL: of
concurrent refreshes of one token exactly one succeeds, and a rotated-out token that
comes back revokes every token of its login, the live successor included."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from auth_phone.models import TokenFamily
from auth_phone.services.sessions import issue_tokens
from profiles.services.users import create_user, delete_user
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number()
BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}


def refresh(client, token):
    return client.post("/users/token/refresh/", {"refresh": token}, format="json")


def test_a_reused_token_revokes_its_live_successor(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    reused = refresh(api, first)
    assert reused.status_code == 401 and reused.json() == BLACKLISTED
    successor = refresh(api, second)
    assert successor.status_code == 401 and successor.json() == BLACKLISTED
    assert TokenFamily.objects.get().revoked_at is not None
    # Nothing new was issued after the reuse.
    assert OutstandingToken.objects.count() == 2


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
    # One new token was issued, and the losers were reuses: its family is revoked.
    assert OutstandingToken.objects.count() == 2
    assert BlacklistedToken.objects.count() == 1
    assert refresh(APIClient(), winner["refresh"]).status_code == 401


def test_a_token_from_before_families_rotates_into_one_and_its_reuse_counts(api):
    user = create_user(phone=PHONE)
    legacy = str(RefreshToken.for_user(user))
    successor = refresh(api, legacy).json()["refresh"]
    assert RefreshToken(successor)["fam"] == str(TokenFamily.objects.get().pk)
    assert refresh(api, legacy).status_code == 401
    assert refresh(api, successor).status_code == 401


def test_logout_ends_the_family_and_a_reuse_at_logout_counts_too(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    second = refresh(api, first).json()["refresh"]
    response = api.post("/users/logout/", {"refresh": first}, format="json")
    assert response.status_code == 401
    assert refresh(api, second).status_code == 401

    other = issue_tokens(user=create_user(phone=phone_number(1234568)))["refresh"]
    assert api.post("/users/logout/", {"refresh": other}, format="json").status_code == 200
    assert refresh(api, other).json() == BLACKLISTED


def test_deleting_the_account_removes_its_families(api):
    user = create_user(phone=PHONE)
    token = issue_tokens(user=user)["refresh"]
    delete_user(user=user)
    assert not TokenFamily.objects.exists()
    assert refresh(api, token).json() == BLACKLISTED


def test_operators_see_revoked_families_read_only(api, admin_client):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    refresh(api, first)
    refresh(api, first)  # a reuse
    family = TokenFamily.objects.get()
    listing = admin_client.get("/admin/auth_phone/tokenfamily/?revoked_at__isnull=False")
    assert listing.status_code == 200
    assert str(family.pk) in listing.content.decode() and PHONE in listing.content.decode()
    change = f"/admin/auth_phone/tokenfamily/{family.pk}/change/"
    assert admin_client.post(change, {"revoked_at": ""}).status_code == 403
    family.refresh_from_db()
    assert family.revoked_at is not None


def test_a_family_expires_with_its_newest_token(api):
    first = issue_tokens(user=create_user(phone=PHONE))["refresh"]
    family = TokenFamily.objects.get()
    assert family.expires_at == OutstandingToken.objects.get().expires_at
    second = refresh(api, first).json()["refresh"]
    family.refresh_from_db()
    newest = OutstandingToken.objects.get(jti=RefreshToken(second)["jti"])
    assert family.expires_at == newest.expires_at
    # A reuse revokes the family and leaves its expiry where the newest token put it.
    assert refresh(api, first).status_code == 401
    family.refresh_from_db()
    assert family.revoked_at is not None and family.expires_at == newest.expires_at
