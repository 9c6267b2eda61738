"""Users see their live logins and end them: one, or all but the current one. An ended,
expired or revoked login is gone from the list, and its refresh token answers 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auth_phone.models import Session
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import AccessToken
from tests.factories import browser_login, client_for

REFRESH = "/users/token/refresh/"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def refreshes(tokens: dict) -> int:
    return APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code


def session_id(tokens: dict) -> str:
    return AccessToken(tokens["access"])["fam"]


def test_the_list_shows_live_logins_newest_first_and_which_is_current(user, make_user):
    older = issue_tokens(user=user, ip="203.0.113.7", user_agent="okhttp/4.12")
    Session.objects.filter(pk=session_id(older)).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    current = issue_tokens(user=user, ip="2001:db8::5", user_agent="Firefox")
    ended = issue_tokens(user=user)
    expired = issue_tokens(user=user)
    issue_tokens(user=make_user())  # another account's
    bearer(current["access"]).delete(f"/users/sessions/{session_id(ended)}/")
    Session.objects.filter(pk=session_id(expired)).update(expires_at=timezone.now())

    response = bearer(current["access"]).get("/users/sessions/")

    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [session_id(current), session_id(older)]
    assert rows[0] == {
        "id": session_id(current),
        "created_at": rows[0]["created_at"],
        "last_used_at": None,
        "ip": "2001:db8::5",
        "user_agent": "Firefox",
        "current": True,
    }
    assert rows[1]["ip"] == "203.0.113.7" and rows[1]["current"] is False


def test_a_revoked_login_is_not_listed(user, api):
    tokens = issue_tokens(user=user)
    rotated = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")  # reuse: revoked
    assert bearer(rotated["access"]).get("/users/sessions/").json() == []


def test_ending_one_login_makes_its_refresh_token_fail(user):
    mine, other = issue_tokens(user=user), issue_tokens(user=user)
    response = bearer(mine["access"]).delete(f"/users/sessions/{session_id(other)}/")
    assert response.status_code == 204
    assert refreshes(other) == 401
    assert refreshes(mine) == 200


def test_another_accounts_login_is_not_found_and_stays(user, make_user):
    mine, theirs = issue_tokens(user=user), issue_tokens(user=make_user())
    response = bearer(mine["access"]).delete(f"/users/sessions/{session_id(theirs)}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert refreshes(theirs) == 200


def test_logout_all_ends_every_other_login(user, make_user):
    current, one, two = (issue_tokens(user=user) for _ in range(3))
    stranger = issue_tokens(user=make_user())
    response = bearer(current["access"]).post("/users/logout/all/")
    assert response.status_code == 200 and response.json()["ended"] == 2
    assert refreshes(one) == 401 and refreshes(two) == 401
    assert refreshes(current) == 200 and refreshes(stranger) == 200


def test_the_endpoints_need_a_token(db):
    client = APIClient()
    assert client.get("/users/sessions/").status_code == 401
    assert client.post("/users/logout/all/").status_code == 401


def test_the_profile_page_lists_app_logins_and_ends_them(user):
    app = issue_tokens(user=user, ip="203.0.113.7", user_agent="okhttp/4.12")
    client = Client()
    browser_login(client, user)
    page = client.get("/profile/").content.decode()
    assert "203.0.113.7" in page and "okhttp/4.12" in page
    response = client.post(f"/profile/sessions/{session_id(app)}/end/")
    assert response.status_code == 302 and refreshes(app) == 401
    again = issue_tokens(user=user)
    assert client.post("/profile/sessions/end-all/").status_code == 302
    assert refreshes(again) == 401


@pytest.mark.parametrize("malformed", ["null,null", "42", "not-a-session"])
def test_a_malformed_session_id_is_the_apis_json_404(user, malformed):
    response = client_for(user).delete(f"/users/sessions/{malformed}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
