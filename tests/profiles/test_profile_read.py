from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from profiles.services.users import delete_user
from tests.factories import client_for, invite
from tests.phones import phone_number


def test_profile_has_exactly_the_documented_body(make_user):
    user = make_user(phone_number(1111112, code=111))
    referral = make_user(phone_number(1111113, code=111))
    invite(referral, user)

    response = client_for(user).get(f"/users/{user.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "phone": phone_number(1111112, code=111),
        "email": None,
        "first_name": None,
        "last_name": None,
        "avatar": None,
        "self_referral": user.invite_code,
        "user_referral": None,
        "users_list": [phone_number(1111113, code=111)],
        "referrals_count": 1,
    }


def test_me_answers_the_same_as_the_own_pk(user, auth_api):
    by_pk = auth_api.get(f"/users/{user.pk}/")
    by_me = auth_api.get("/users/me/")
    assert by_pk.status_code == by_me.status_code == 200
    assert by_pk.json() == by_me.json()


def test_user_referral_is_the_activated_code(make_user):
    inviter, user = make_user(), make_user()
    invite(user, inviter)
    body = client_for(user).get("/users/me/").json()
    assert body["user_referral"] == inviter.invite_code
    assert body["users_list"] == [] and body["referrals_count"] == 0


def test_users_list_is_oldest_first_then_by_id(make_user):
    inviter = make_user()
    now = timezone.now()
    late, early, tie_a, tie_b = (make_user() for _ in range(4))
    invite(late, inviter, now)
    invite(early, inviter, now - timedelta(hours=1))
    invite(tie_b, inviter, now - timedelta(minutes=30))
    invite(tie_a, inviter, now - timedelta(minutes=30))

    body = client_for(inviter).get("/users/me/").json()

    tie = sorted([tie_a, tie_b], key=lambda u: u.pk)
    assert body["users_list"] == [early.phone, tie[0].phone, tie[1].phone, late.phone]
    assert body["referrals_count"] == 4


def test_user_referral_survives_the_inviters_deletion(make_user):
    inviter, user = make_user(), make_user()
    invite(user, inviter)
    code = inviter.invite_code
    delete_user(user=inviter)
    body = client_for(user).get("/users/me/").json()
    assert body["user_referral"] == code


def test_no_token_answers_401(user):
    response = APIClient().get(f"/users/{user.pk}/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


@pytest.mark.parametrize("pk", ["abc", "-1", "1.0", "%C2%B2", "me2", "ME", "0x1"])
def test_malformed_pk_answers_404(auth_api, pk):
    response = auth_api.get(f"/users/{pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_huge_pk_answers_404(auth_api):
    response = auth_api.get(f"/users/{'9' * 40}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_other_methods_are_not_allowed(auth_api):
    assert auth_api.post("/users/me/", {}, format="json").status_code == 405
    assert auth_api.delete("/users/me/").status_code == 405
