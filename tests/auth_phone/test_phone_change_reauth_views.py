"""The browser UI of a change of number asks for a fresh code to the current number once
the login is older than PHONE_CHANGE_REAUTH_SECONDS."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from auth_phone.models import LoginCode
from tests.conftest import last_code
from tests.phones import phone_number

NEW = phone_number(9876543, code=921)


def test_an_old_browser_login_proves_the_current_number_before_a_change(
    user, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(user)
    session = client.session
    session["auth_time"] = (timezone.now() - timedelta(hours=1)).isoformat()
    session.save()

    def post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    response = post("/profile/edit/", {"phone": NEW})
    assert response.status_code == 302 and response["Location"] == "/profile/confirm/"
    assert not LoginCode.objects.filter(purpose=LoginCode.Purpose.PHONE_CHANGE).exists()

    assert post("/profile/confirm/", {"action": "send"}).status_code == 302
    response = post("/profile/confirm/", {"code": last_code(user.phone)})
    assert response.status_code == 302 and response["Location"] == "/profile/edit/"

    response = post("/profile/edit/", {"phone": NEW})
    assert response.status_code == 302 and response["Location"] == "/profile/phone/"
