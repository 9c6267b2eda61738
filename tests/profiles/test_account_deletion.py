from rest_framework.test import APIClient

from auth_phone.models import LoginCode, Session
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import RefreshToken
from profiles.models import User
from profiles.services.users import delete_user
from tests.factories import LoginCodeFactory, WebhookEndpointFactory, client_for, invite
from tests.phones import phone_number
from webhooks.events import EVENT_TYPES, USER_DELETED
from webhooks.models import WebhookEvent
from webhooks.services import payload


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_delete_answers_204_and_removes_the_account(user):
    response = client_for(user).delete(f"/users/delete/{user.pk}/")
    assert response.status_code == 204
    assert response.content == b""
    assert not User.objects.filter(pk=user.pk).exists()


def test_me_works_for_delete(user):
    assert client_for(user).delete("/users/delete/me/").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


def test_the_deleted_accounts_access_and_refresh_tokens_stop_working(user):
    old = RefreshToken.for_user(user)
    rotated = APIClient().post("/users/token/refresh/", {"refresh": str(old)}, format="json")
    assert rotated.status_code == 200  # a second, rotated refresh token exists too
    tokens = [str(old.access_token), rotated.json()["access"]]
    refresh = rotated.json()["refresh"]

    assert bearer(tokens[0]).delete("/users/delete/me/").status_code == 204

    for access in tokens:
        response = bearer(access).get("/users/me/")
        assert response.status_code == 401
        assert response.json()["detail"] == "User not found"
    response = APIClient().post("/users/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Token is blacklisted"


def test_only_the_deleted_accounts_tokens_are_revoked(make_user):
    user, other = make_user(), make_user()
    other_refresh = issue_tokens(user=other)["refresh"]
    issue_tokens(user=user)

    delete_user(user=user)

    assert list(Session.objects.values_list("user", flat=True)) == [other.pk]
    response = APIClient().post("/users/token/refresh/", {"refresh": other_refresh}, format="json")
    assert response.status_code == 200


def test_referrals_keep_their_accounts_and_the_code_they_activated(make_user):
    inviter, first, second = make_user(), make_user(), make_user()
    invite(first, inviter)
    invite(second, inviter)
    code = inviter.invite_code

    assert client_for(inviter).delete("/users/delete/me/").status_code == 204

    for referral in (first, second):
        response = client_for(referral).get("/users/me/")
        assert response.status_code == 200
        assert response.json()["user_referral"] == code
        referral.refresh_from_db()
        assert referral.referred_by_id is None and referral.activated_code == code


def test_the_deleted_accounts_login_codes_and_sessions_go_with_it(user):
    LoginCodeFactory(user=user)
    issue_tokens(user=user)
    delete_user(user=user)
    assert not LoginCode.objects.exists()
    assert not Session.objects.exists()


def test_deleting_an_already_deleted_account_is_a_no_op(make_user):
    user, other = make_user(), make_user()
    stale = User.objects.get(pk=user.pk)
    delete_user(user=user)
    delete_user(user=stale)
    assert list(User.objects.values_list("pk", flat=True)) == [other.pk]


def test_the_phone_can_sign_up_again_as_a_new_user(make_user):
    user = make_user(phone_number(1111112, code=111))
    delete_user(user=user)
    again = make_user(phone_number(1111112, code=111))
    assert again.pk != user.pk


def test_the_user_deleted_event_carries_no_phone(user):
    WebhookEndpointFactory(events=[USER_DELETED])
    delete_user(user=user)
    event = WebhookEvent.objects.get(type=USER_DELETED)
    assert set(event.data) == {"user_id", "deleted_at"} == set(EVENT_TYPES[USER_DELETED][1])
    assert event.data["user_id"] == user.pk
    assert user.phone not in payload(event).decode()
    assert user.phone[1:] not in payload(event).decode()
