from datetime import timedelta

import pytest
from django.utils import timezone

from profiles.models import User
from profiles.services.invites import generate_invite_code
from tests.factories import client_for
from tests.phones import phone_number

# One query authenticates the token's user, one reads the referrals' phones (the signing
# keys are read once per process, not per request: the first request warms them).
PROFILE_QUERIES = 2


def add_referrals(inviter: User, count: int) -> None:
    codes: set[str] = {inviter.invite_code}
    while len(codes) < count + 1:
        codes.add(generate_invite_code())
    codes.discard(inviter.invite_code)
    start = timezone.now() - timedelta(days=1)
    User.objects.bulk_create(
        User(
            phone=phone_number(i, code=222),
            invite_code=code,
            referred_by=inviter,
            activated_code=inviter.invite_code,
            referred_at=start + timedelta(seconds=i),
        )
        for i, code in enumerate(sorted(codes))
    )


@pytest.mark.parametrize("count", [0, 1, 500])
def test_profile_costs_the_same_queries_for_any_number_of_referrals(
    user, count, django_assert_max_num_queries
):
    add_referrals(user, count)
    client = client_for(user)
    assert client.get("/users/me/").status_code == 200  # the process has read its keys

    with django_assert_max_num_queries(PROFILE_QUERIES):
        response = client.get("/users/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["referrals_count"] == count
    assert body["users_list"] == [phone_number(i, code=222) for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 500])
def test_update_answer_costs_the_same_queries_for_any_number_of_referrals(
    user, count, django_assert_max_num_queries
):
    add_referrals(user, count)
    client = client_for(user)
    assert client.get("/users/me/").status_code == 200  # the process has read its keys

    # the profile's two, plus the row lock (the account cannot be deleted under the
    # write) and the UPDATE inside its transaction (begin and end of which count as two
    # statements here: a savepoint inside the test's transaction)
    with django_assert_max_num_queries(PROFILE_QUERIES + 4):
        response = client.patch("/users/update/me/", {"first_name": "Anna"}, format="json")

    assert response.status_code == 200
    assert response.json()["referrals_count"] == count
