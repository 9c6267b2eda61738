"""A user reaches only their own profile: another user's id answers exactly as a missing one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from auth_phone.tokens import RefreshToken
from profiles.models import User
from tests.conftest import image_bytes, snapshot
from tests.factories import client_for, invite

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def requests_for(pk, other_code: str):
    return [
        ("get", f"/users/{pk}/", None),
        ("get", f"/users/{pk}/referrals/", None),
        ("patch", f"/users/update/{pk}/", {"first_name": "Mallory", "user_referral": other_code}),
        ("put", f"/users/update/{pk}/", {"first_name": "Mallory", "email": "m@example.com"}),
        ("delete", f"/users/delete/{pk}/", None),
    ]


@pytest.fixture
def victim(make_user):
    victim = make_user(first_name="Bob", email="bob@example.com")
    invite(make_user(), victim)
    RefreshToken.for_user(victim)
    return victim


@pytest.mark.parametrize("index", range(5))
def test_another_users_pk_answers_404_and_changes_nothing(make_user, victim, index):
    attacker = make_user()
    method, path, data = requests_for(victim.pk, attacker.invite_code)[index]
    victim_before, attacker_before = snapshot(victim), snapshot(attacker)

    response = getattr(client_for(attacker), method)(path, data, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert snapshot(victim) == victim_before
    assert snapshot(attacker) == attacker_before
    assert victim.referrals.count() == 1
    assert not attacker.referrals.exists()


@pytest.mark.parametrize("index", range(5))
def test_another_users_pk_and_a_missing_pk_answer_the_same(make_user, victim, index):
    attacker = make_user()
    missing = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    client = client_for(attacker)

    answers = []
    for pk in (victim.pk, missing):
        method, path, data = requests_for(pk, attacker.invite_code)[index]
        response = getattr(client, method)(path, data, format="json")
        answers.append((response.status_code, response.json()))

    assert answers[0] == answers[1] == (404, NOT_FOUND)


def test_an_avatar_upload_to_another_pk_stores_nothing(make_user, victim, settings):
    attacker = make_user()
    before = snapshot(victim)
    avatar = SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")

    response = client_for(attacker).patch(
        f"/users/update/{victim.pk}/", {"avatar": avatar}, format="multipart"
    )

    assert response.status_code == 404
    assert snapshot(victim) == before
    assert not (settings.MEDIA_ROOT / "avatars").exists()


def test_there_is_no_list_of_users(user, auth_api):
    assert auth_api.get("/users/").status_code == 404
