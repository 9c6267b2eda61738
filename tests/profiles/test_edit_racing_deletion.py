"""An edit that races the deletion of its own account (another tab, the API) answers 404
in the API and ends the session in the browser UI, never a 500 or a half-written row."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from auth_phone.models import LoginCode
from auth_phone.views import AUTH_TIME
from profiles.models import User
from profiles.services import invites, users
from tests.conftest import run_in_threads
from tests.factories import UserFactory, client_for
from tests.phones import phone_number

UPDATE = "/users/update/me/"


@pytest.fixture
def deleted_during_the_request(monkeypatch):
    """The account is deleted after the request was authenticated, before it writes."""
    original = users.update_profile

    def update_after_deletion(*, user, **fields):
        users.delete_user(user=User.objects.get(pk=user.pk))
        return original(user=user, **fields)

    monkeypatch.setattr(users, "update_profile", update_after_deletion)


def test_the_api_answers_404(user, deleted_during_the_request):
    response = client_for(user).patch(UPDATE, {"first_name": "Anna"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert not User.objects.filter(pk=user.pk).exists()


def test_the_browser_form_ends_the_session(user, deleted_during_the_request):
    client = Client()
    client.force_login(user)
    assert client.get("/profile/edit/").status_code == 200  # the form is loaded

    response = client.post("/profile/edit/", {"first_name": "Anna"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(pk=user.pk).exists()


def test_the_browser_activation_ends_the_session_too(user, make_user, monkeypatch):
    inviter = make_user()
    original = invites.activate_invite_code

    def activate_after_deletion(*, user, code):
        users.delete_user(user=User.objects.get(pk=user.pk))
        return original(user=user, code=code)

    monkeypatch.setattr(invites, "activate_invite_code", activate_after_deletion)
    client = Client()
    client.force_login(user)

    response = client.post("/profile/activate/", {"code": inviter.invite_code})

    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_the_form_loaded_before_the_deletion_sends_the_visitor_to_log_in(user):
    client = Client()
    client.force_login(user)
    assert client.get("/profile/edit/").status_code == 200
    users.delete_user(user=user)
    response = client.post("/profile/edit/", {"first_name": "Anna"})
    assert response.status_code == 302 and response["Location"].startswith("/?next=")


@pytest.fixture
def deleted_by_another_request(monkeypatch):
    """The account is deleted, and committed, by another connection after the request was
    authenticated and before it writes."""
    original = users.update_profile

    def update_after_deletion(*, user, **fields):
        results = run_in_threads(lambda i: users.delete_user(user=User.objects.get(pk=user.pk)), 1)
        assert results == [None]
        return original(user=user, **fields)

    monkeypatch.setattr(users, "update_profile", update_after_deletion)


@pytest.mark.django_db(transaction=True)
def test_a_change_of_number_racing_the_deletion_answers_404(deleted_by_another_request):
    user = UserFactory()
    response = client_for(user).patch(
        UPDATE, {"first_name": "Anna", "phone": phone_number(9998877)}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert not User.objects.filter(pk=user.pk).exists()
    assert not LoginCode.objects.exists()


def test_the_browser_change_of_number_racing_the_deletion_ends_the_session(
    user, deleted_during_the_request
):
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTH_TIME] = timezone.now().isoformat()  # a login with a code just now
    session.save()
    response = client.post("/profile/edit/", {"first_name": "Anna", "phone": phone_number(9998877)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
