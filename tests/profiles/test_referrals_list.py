from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import client_for, invite


def test_referrals_are_paginated_oldest_first_with_activation_times(make_user):
    inviter = make_user()
    start = timezone.now() - timedelta(days=1)
    referrals = [make_user() for _ in range(53)]
    for i, referral in enumerate(reversed(referrals)):  # created order != activation order
        invite(referral, inviter, start + timedelta(minutes=i))
    expected = list(reversed(referrals))
    client = client_for(inviter)

    first = client.get(f"/users/{inviter.pk}/referrals/")
    second = client.get("/users/me/referrals/", {"page": 2})

    assert first.status_code == second.status_code == 200
    page1, page2 = first.json(), second.json()
    assert page1["count"] == page2["count"] == 53
    assert page1["previous"] is None
    assert page1["next"] == f"http://testserver/users/{inviter.pk}/referrals/?page=2"
    assert page2["next"] is None
    assert len(page1["results"]) == 50 and len(page2["results"]) == 3
    results = page1["results"] + page2["results"]
    assert [r["phone"] for r in results] == [u.phone for u in expected]
    assert results[0] == {
        "phone": expected[0].phone,
        "referred_at": start.isoformat().replace("+00:00", "Z"),
    }
    assert set(results[1]) == {"phone", "referred_at"}


def test_referrals_list_matches_the_profiles_users_list(make_user):
    inviter = make_user()
    for _ in range(3):
        invite(make_user(), inviter)
    client = client_for(inviter)
    listed = [r["phone"] for r in client.get("/users/me/referrals/").json()["results"]]
    assert listed == client.get("/users/me/").json()["users_list"]


def test_no_referrals_is_an_empty_page(user):
    response = client_for(user).get("/users/me/referrals/")
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_page_out_of_range_answers_404(user):
    response = client_for(user).get("/users/me/referrals/", {"page": 5})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_referrals_need_a_token(user):
    assert APIClient().get("/users/me/referrals/").status_code == 401
