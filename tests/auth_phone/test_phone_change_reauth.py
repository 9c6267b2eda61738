"""A stolen access token cannot move the account to another number: a change needs a
login with a code within PHONE_CHANGE_REAUTH_SECONDS (the token's `auth_time`, which a
refresh keeps), and confirming a change ends every other login of the account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auth_phone.models import LoginCode, Session
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import AccessToken, RefreshToken
from tasks.sms import LocmemSender
from tests.conftest import CODE_RE, last_code, snapshot
from tests.phones import phone_number

UPDATE = "/users/update/me/"
CONFIRM = "/users/update/sms/me/"
REFRESH = "/users/token/refresh/"
NEW = phone_number(9876543, code=921)
REAUTH = {
    "detail": "Log in again with a code sent to your current number, then change it.",
    "code": "reauthentication_required",
}


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login_at(user, when) -> dict:
    """A login with a code made at `when` (the session row says so)."""
    tokens = issue_tokens(user=user)
    Session.objects.filter(user=user).update(authenticated_at=when)
    refreshed = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    return refreshed.json()


def test_an_access_token_carries_the_login_time_and_a_refresh_keeps_it(user, api):
    tokens = issue_tokens(user=user)
    session = Session.objects.get()
    login_time = int(session.authenticated_at.timestamp())
    assert AccessToken(tokens["access"])["auth_time"] == login_time
    refreshed = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    assert AccessToken(refreshed["access"])["auth_time"] == login_time


@pytest.mark.parametrize("age", [301, 3600])
def test_a_token_of_an_old_login_cannot_start_a_change_even_refreshed(
    user, api, settings, django_capture_on_commit_callbacks, age
):
    settings.PHONE_CHANGE_REAUTH_SECONDS = 300
    tokens = login_at(user, timezone.now() - timedelta(seconds=age))
    before = snapshot(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(tokens["access"]).patch(
            UPDATE, {"phone": NEW, "first_name": "Mallory"}, format="json"
        )
    assert response.status_code == 403 and response.json() == REAUTH
    # Nothing happened: no code, no SMS, no field saved.
    assert snapshot(user) == before
    assert not LoginCode.objects.filter(purpose=LoginCode.Purpose.PHONE_CHANGE).exists()
    assert LocmemSender.outbox == []


def test_a_token_without_a_login_time_cannot_start_a_change(user):
    # As an access token issued before this release, or of a session adopted from one.
    response = bearer(str(RefreshToken.for_user(user).access_token)).patch(
        UPDATE, {"phone": NEW}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "reauthentication_required"


def test_an_old_login_may_still_edit_the_rest_of_the_profile(user, settings):
    tokens = login_at(user, timezone.now() - timedelta(hours=2))
    response = bearer(tokens["access"]).patch(
        UPDATE, {"first_name": "Anna", "phone": user.phone}, format="json"
    )
    assert response.status_code == 200 and response.json()["first_name"] == "Anna"


def test_a_recent_login_starts_a_change(user, django_capture_on_commit_callbacks):
    tokens = login_at(user, timezone.now() - timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(tokens["access"]).patch(UPDATE, {"phone": NEW}, format="json")
    assert response.status_code == 202, response.content


def test_confirming_a_change_ends_the_other_logins_and_renews_this_one(
    user, django_capture_on_commit_callbacks
):
    thief = issue_tokens(user=user)  # a refresh token stolen earlier
    other_device = issue_tokens(user=user)
    own = issue_tokens(user=user)
    client = bearer(own["access"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(UPDATE, {"phone": NEW}, format="json").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(CONFIRM, {"phone": NEW, "sms_code": last_code(NEW)}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == NEW
    refresh = APIClient().post
    for ended in (thief, other_device):
        assert refresh(REFRESH, {"refresh": ended["refresh"]}, format="json").status_code == 401
    # The new tokens are of the same login, with its login time; the old refresh is spent.
    own_session = Session.objects.get(pk=AccessToken(own["access"])["fam"])
    assert AccessToken(body["access"])["fam"] == str(own_session.pk)
    assert AccessToken(body["access"])["auth_time"] == int(own_session.authenticated_at.timestamp())
    assert own_session.revoked_at is None
    assert refresh(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200
    assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_the_old_number_gets_a_notice(user, django_capture_on_commit_callbacks):
    old = user.phone
    client = bearer(issue_tokens(user=user)["access"])
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(UPDATE, {"phone": NEW}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(CONFIRM, {"phone": NEW, "sms_code": last_code(NEW)}, format="json")
    (notice,) = [m for m in LocmemSender.outbox if m["phone"] == old]
    assert not CODE_RE.search(notice["text"])  # a notice, no code in it
